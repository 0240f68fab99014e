"""The catalog's reference tables: CSV data files in ``catalog/data`` with a source column.

Read with the standard library so that listing commodities stays fast; callers that
need frames build them from these rows.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

TABLES = ("commodities", "commodity_stages", "production_series", "country_groups",
          "country_names", "meti6_axes", "criticality_types", "policy_measures",
          "policy_levels", "policy_packages", "byproduct_fraction", "demand_surge",
          "events", "demand_reference", "company_actions", "content_basis", "indicators",
          "policy_scope", "policy_scope_reasons")
STAGES = ("mining", "refining", "scrap")


@cache
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of the reference table ``name`` (lines starting with ``#`` are comments)."""
    if name not in TABLES:
        raise ValueError(f"unknown catalog table {name!r}; tables: {', '.join(TABLES)}")
    text = resources.files("critmin.catalog").joinpath("data", f"{name}.csv").read_text(
        encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return tuple(csv.DictReader(lines))


def lookup_name(index: dict[str, str], name: str, kind: str,
                choices: Callable[[], list[str]]) -> str:
    """The value ``index`` holds for ``name`` (normalised), or :class:`UnknownNameError`
    naming the valid ``choices()`` (listed only then), or the valid names it lists when
    it is several in one (``'JPN,AUS'``, ``'日本、豪州'``: :func:`listed_names`)."""
    from critmin.errors import UnknownNameError

    hit = index.get(normalise_name(name))
    if hit is None:
        several = listed_names(index, name)
        raise UnknownNameError(kind, name, choices(), several=several or None)
    return hit


LIST_SEPARATORS = re.compile(r"[,;、，；\s]+")
"""What separates names written as a list in one value: commas (ASCII, Japanese 、 and
full-width ，), semicolons and white space."""


def listed_names(index: dict[str, str], name: str) -> list[str]:
    """The parts of ``name`` split at :data:`LIST_SEPARATORS` when there are two or more
    and ``index`` knows each (as typed); else ``[]``."""
    parts = [p for p in LIST_SEPARATORS.split(str(name).strip()) if p]
    if len(parts) < 2 or any(normalise_name(p) not in index for p in parts):
        return []
    return parts


def normalise_name(text: str) -> str:
    """Key for name matching: NFKC, case-folded, without spaces and punctuation."""
    import unicodedata

    key = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in key if ch.isalnum())


MAX_YAML_BYTES = 1_000_000
"""Largest parameter file (scenario, lever, demand YAML) critmin reads [C]: real ones are
a few kB; a larger file is a mistake, not a parameter set."""


def read_parameter_text(path: Path, label: str, kind: str) -> str:
    """The text of a parameter file: there, at most :data:`MAX_YAML_BYTES`, UTF-8 (with
    or without the byte-order mark Windows editors write); every fault a
    :class:`CritminError` naming ``label`` and ``kind``."""
    from critmin.errors import CritminError

    if not path.is_file():
        raise CritminError(f"{label}: no such {kind} file")
    if path.stat().st_size > MAX_YAML_BYTES:
        raise CritminError(f"{label}: {kind} files are limited to {MAX_YAML_BYTES:,} bytes")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CritminError(f"{label}: not UTF-8 text (save the file as UTF-8; Shift-JIS is "
                           "not read)") from None


def parse_yaml(text: str, label: str, with_lines: bool = False) -> Any:
    """YAML ``text`` read with the safe loader (in C, libyaml, where PyYAML has it: ~10×
    faster); a syntax error is a :class:`~critmin.errors.ParameterError` at its line.

    ``with_lines``: each mapping also records its line as ``__line__`` (for messages that
    point at the line of a bad entry).
    """
    import yaml

    from critmin.errors import CritminError, ParameterError

    class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        """The safe loader, with lines where asked."""

    if with_lines:
        def mapping(loader: Any, node: Any) -> dict[str, Any]:
            value = loader.construct_mapping(node, deep=True)
            value["__line__"] = node.start_mark.line + 1
            return value

        Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        return yaml.load(text, Loader=Loader)  # noqa: S506 (a safe loader's subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        detail = str(getattr(exc, "problem", None) or exc)
        if mark is None:
            raise CritminError(f"{label}: not valid YAML ({detail})") from None
        raise ParameterError(label, mark.line + 1, "yaml", detail=detail) from None


def read_yaml_mapping(source: str | Path, label: str, kind: str,
                      with_lines: bool = False) -> dict[str, Any]:
    """A YAML parameter file (a :class:`~pathlib.Path`) or text (a str) as a mapping
    (:func:`read_parameter_text`, :func:`parse_yaml`); every fault is a
    :class:`CritminError` naming ``label`` and ``kind``."""
    from critmin.errors import CritminError

    if isinstance(source, Path):
        source = read_parameter_text(source, label, kind)
    doc = parse_yaml(source, label, with_lines)
    if not isinstance(doc, dict):
        raise CritminError(f"{label}: a {kind} file is a mapping of fields")
    return doc
