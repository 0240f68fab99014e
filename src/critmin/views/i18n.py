"""Japanese and English labels: axes, types, measures, levels and commodities from the
catalog, interface strings from ``views/data/strings*.csv`` (by key)."""

from __future__ import annotations

import csv
import os
from functools import cache
from importlib import resources
from typing import Any

from critmin.catalog.langs import check_lang
from critmin.catalog.tables import read_table


@cache
def _strings() -> dict[str, dict[str, str]]:
    """Every ``views/data/strings*.csv`` (one file per part of the interface), by key; a
    key defined twice is an error."""
    out: dict[str, dict[str, str]] = {}
    folder = resources.files("critmin.views").joinpath("data")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not (entry.name.startswith("strings") and entry.name.endswith(".csv")):
            continue
        for r in csv.DictReader(entry.read_text(encoding="utf-8").splitlines()):
            if r["key"] in out:
                raise ValueError(f"string key {r['key']!r} defined twice ({entry.name})")
            out[r["key"]] = {"en": r["en"], "ja": r["ja"]}
    return out


@cache
def _catalog_labels() -> dict[tuple[str, str], dict[str, str]]:
    out: dict[tuple[str, str], dict[str, str]] = {}
    for kind, table, key in (("axis", "meti6_axes", "axis_id"),
                             ("type", "criticality_types", "type_id"),
                             ("measure", "policy_measures", "measure_id"),
                             ("level", "policy_levels", "level"),
                             ("commodity", "commodities", "commodity_id"),
                             ("indicator", "indicators", "indicator_id"),
                             ("scope", "policy_scope_reasons", "code")):
        for r in read_table(table):
            out[(kind, r[key])] = {"en": r["name_en"], "ja": r["name_ja"]}
    return out


def join_words(items: Any, lang: str) -> str:
    """Items of a list in a sentence: separated by 、 in Japanese, ", " in English."""
    return ("、" if lang == "ja" else ", ").join(items)


def bom_name(bom_id: str, lang: str) -> str:
    """An example BOM by its name (``web_bom_<id>``); any other BOM by its id."""
    key = f"web_bom_{bom_id}"
    return text(key, lang) if has_text(key) else bom_id


def has_text(key: str) -> bool:
    """Whether an interface string ``key`` exists."""
    return key in _strings()


def text(key: str, lang: str) -> str:
    """An interface string."""
    return _strings()[key][check_lang(lang)]


def label(kind: str, ident: str, lang: str) -> str:
    """Name of an axis, type, measure, level, commodity or indicator in ``lang``."""
    entry = _catalog_labels().get((kind, ident))
    if entry is None:
        raise KeyError(f"no {kind} label for {ident!r}")
    return entry[check_lang(lang)]


def all_labels() -> dict[tuple[str, str], dict[str, str]]:
    """Every catalog label and interface string (for completeness checks)."""
    out = dict(_catalog_labels())
    out.update({("text", k): v for k, v in _strings().items()})
    return out


STRICT_ENV = "CRITMIN_STRICT_I18N"
"""``1``: a text the views cannot translate is an error, not shown as it is (the tests
set it, so no id or untranslated reason reaches a reader unnoticed)."""


def strict_i18n() -> bool:
    """Whether :data:`STRICT_ENV` is set."""
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def reason(message: str, lang: str) -> str:
    """A missing-data reason or an axis note (a :class:`critmin.catalog.reasons.Phrase`,
    as the methods make it) for a reader in ``lang``, rendered by its code (commodity ids
    as names, in English too). Any other non-empty text is shown as it is — an error
    under :data:`STRICT_ENV`, so a reason that lost its code on the way (or was worded
    outside the vocabulary) is caught by the tests."""
    from critmin.catalog.reasons import Phrase

    if not message or not isinstance(message, Phrase):
        if message and strict_i18n():
            raise KeyError(f"not a phrase of the vocabulary (catalog missing_reasons.csv, "
                           f"axis_notes.csv), or one that lost its code: {message!r}")
        return message
    return message.render(lang)
