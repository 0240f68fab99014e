"""Terminal tables for people: headers and id values in the reader's language, numbers
to significant figures, columns chosen to fit the width.

Machine outputs (CSV, JSON) never pass through here: they keep column ids and full
precision. A table shows the same rows with

- **headers** looked up by column name in ``views/data/columns.csv``, then in the
  interface strings (``strings*.csv``); a column without a label keeps its name (and
  raises under ``CRITMIN_STRICT_I18N=1``, which the tests set, so no id reaches a reader);
- **id values** translated by key: commodities, types, axes, measures, levels, stages,
  booleans (✓), missing-data reasons (the vocabulary of ``catalog/missing_reasons.csv``);
- **numbers** to :data:`SIGNIFICANT` significant figures, thousands separated
  (``60825.16100000001`` → ``60,825``; ``0.5677988979264287`` → ``0.568``), years as
  they are;
- **width**: every column is at least as wide as its longest word, so an identifier is
  never cut or folded; columns that do not fit the terminal are left out, from the
  right, and a note under the table names them and says how to see them.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from typing import Any

SIGNIFICANT = 3
"""Significant figures of numbers in terminal tables (CSV and JSON keep full precision)."""

_BORDER = 3  # a column's share of the table's borders and padding, in cells


@cache
def _column_labels() -> dict[str, dict[str, str]]:
    text = resources.files("critmin.views").joinpath("data", "columns.csv").read_text(
        encoding="utf-8")
    return {r["key"]: {"en": r["en"], "ja": r["ja"]} for r in csv.DictReader(
        text.splitlines())}


def header(column: str, lang: str) -> str:
    """The header of ``column`` in ``lang`` (``columns.csv``, then the interface
    strings); the column name itself when neither has it (an error under
    ``CRITMIN_STRICT_I18N=1``)."""
    from critmin.views.i18n import all_labels, strict_i18n

    entry = _column_labels().get(column) or all_labels().get(("text", column))
    if entry is not None:
        return entry[lang]
    if strict_i18n():
        raise KeyError(f"no header for column {column!r} in views/data/columns.csv")
    return column


def year_span(first: object, last: object) -> str:
    """Years as a table shows them: ``2018–2024``, or ``2023`` when they are one year."""
    if first is None or first == "":
        return ""
    return f"{first}" if first == last else f"{first}–{last}"


def number(value: float | int, column: str = "", digits: int = SIGNIFICANT) -> str:
    """``value`` to ``digits`` (:data:`SIGNIFICANT`) significant figures, thousands
    separated, never in scientific notation above 1e-4; a year column's integers as they
    are."""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, int):
        return str(value) if "year" in column or column in ("rank", "draws") else f"{value:,}"
    if not math.isfinite(value):
        return "" if math.isnan(value) else str(value)
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= digits - 1:
        return f"{round(value):,}"
    if magnitude < -4:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"
    decimals = digits - 1 - magnitude
    return f"{value:,.{decimals}f}".rstrip("0").rstrip(".")


def _label_of(kind: str) -> Callable[[str, str], str]:
    def lookup(value: str, lang: str) -> str:
        from critmin.views.i18n import label

        try:
            return label(kind, value, lang)
        except KeyError:
            return value
    return lookup


def _stage(value: str, lang: str) -> str:
    from critmin.catalog.reasons import STAGE_NAMES

    return STAGE_NAMES.get(value, {}).get(lang, value)


def _prefixed(prefix: str) -> Callable[[str, str], str]:
    """A value by its ``<prefix><value>`` interface string; as it is when there is none
    (e.g. an assessment's rule R1–R6 among the signal rules)."""
    def lookup(value: str, lang: str) -> str:
        from critmin.views.i18n import has_text, text

        return text(prefix + value, lang) if has_text(prefix + value) else value
    return lookup


_flag = _prefixed("value_")
"""A word from the interface strings (``value_<word>``), else the value."""
_table = _prefixed("table_")
"""A store table by its ``table_<name>`` string."""
_text_key = _prefixed("")
"""A value that is an interface string's key itself (a quadrant such as "high share ×
high risk", "spend share")."""


_ID = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _words(value: str, lang: str) -> str:
    """A basis or detail: an axis note by its code (:meth:`Phrase.render`); other free
    text with each snake_case word replaced by its ``value_<word>`` string."""
    from critmin.catalog.reasons import Phrase

    if isinstance(value, Phrase):
        return value.render(lang)
    return _ID.sub(lambda m: _flag(m.group(0), lang), value)


def _parameter(value: str, lang: str) -> str:
    """A model parameter ``name`` or ``name:item`` (e.g. ``deployment:ev``) by its
    ``param_<name>`` string."""
    from critmin.views.i18n import all_labels

    name, _, item = value.partition(":")
    entry = all_labels().get(("text", f"param_{name}"))
    shown = entry[lang] if entry else name
    if not item:
        return shown
    item = _flag(item, lang)
    return f"{shown}：{item}" if lang == "ja" else f"{shown}: {item}"


@cache
def _build_steps() -> dict[str, str]:
    """{English step: Japanese} of the build and import reports
    (``views/data/build_steps.csv``)."""
    text = resources.files("critmin.views").joinpath("data", "build_steps.csv").read_text(
        encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {r["en"]: r["ja"] for r in rows}


def _step(value: str, lang: str) -> str:
    """A step of the build or an import report (``build_log.step``) in ``lang``, looked
    up by the step the adapter wrote (a step the table lacks stays as written)."""
    return _build_steps().get(value, value) if lang == "ja" else value


@cache
def _scenario_names() -> dict[str, dict[str, str]]:
    """{id: {en, ja}} of the shipped demand and shock scenarios."""
    import yaml

    from critmin.analysis import demand, scenarios

    out = {}
    for lib in (demand.library(), scenarios.library()):
        for sid, res in lib.items():
            doc = yaml.safe_load(res.read_text(encoding="utf-8")) or {}
            out[sid] = {"en": str(doc.get("name") or sid),
                        "ja": str(doc.get("name_ja") or doc.get("name") or sid)}
    return out


def _scenario(value: str, lang: str) -> str:
    """A shipped scenario's name (a user's own scenario file: its id)."""
    return _scenario_names().get(value, {}).get(lang, value)


class AxisReasons(str):
    """Missing-data reasons by axis in one cell (assess's CSV and overview table): the
    English text ``axis: reason; …``, keeping each axis and its reason for a reader in
    another language."""

    __slots__ = ("by_axis",)
    by_axis: dict[str, str]

    def __new__(cls, by_axis: dict[str, str]) -> AxisReasons:
        self = super().__new__(cls, "; ".join(f"{k}: {v}" for k, v in by_axis.items()))
        self.by_axis = dict(by_axis)
        return self


def _reason(value: str, lang: str) -> str:
    """A missing-data reason in ``lang`` by its code (:func:`critmin.views.i18n.reason`),
    reasons by axis each after the axis's name; a text outside the vocabulary (a type's
    reason, a register note) as it is."""
    from critmin.catalog.reasons import REASON_SEPARATOR, Phrase
    from critmin.views.i18n import reason

    if isinstance(value, AxisReasons):
        colon = "：" if lang == "ja" else ": "
        return REASON_SEPARATOR[lang].join(
            f"{_label_of('axis')(axis, lang)}{colon}{reason(why, lang)}"
            for axis, why in value.by_axis.items())
    return value.render(lang) if isinstance(value, Phrase) else value


def _missing(value: str, lang: str) -> str:
    """A ``missing`` (or ``…_missing``) cell: a reason of the vocabulary (anything else
    an error under ``CRITMIN_STRICT_I18N``)."""
    from critmin.views.i18n import reason

    return _reason(value, lang) if isinstance(value, AxisReasons) else reason(value, lang)


def _parts(sep: str, sep_ja: str) -> Callable[[str, str], str]:
    """Values joined by ``sep`` (``high/low/high``, ``west, china``), each by its
    ``value_<word>`` string."""
    def lookup(value: str, lang: str) -> str:
        return (sep_ja if lang == "ja" else sep).join(
            _flag(v.strip(), lang) for v in value.split(sep.strip() or sep))
    return lookup


def _id_list(kind: str) -> Callable[[str, str], str]:
    one = _label_of(kind)

    def lookup(value: str, lang: str) -> str:
        return ", ".join(one(v.strip(), lang) for v in value.split(","))
    return lookup


_VALUE_KINDS: dict[str, Callable[[str, str], str]] = {
    "commodity": _label_of("commodity"), "commodity_id": _label_of("commodity"),
    "mineral": _label_of("commodity"), "host": _label_of("commodity"),
    "commodities": _id_list("commodity"),
    "type": _label_of("type"), "type_before": _label_of("type"),
    "type_after": _label_of("type"), "axis": _label_of("axis"),
    "measure": _label_of("measure"), "lever": _label_of("measure"),
    "level": _label_of("level"), "stage": _stage, "indicator": _label_of("indicator"),
    "flag": _flag, "importer": _flag, "status": _flag, "basis": _words, "detail": _words,
    "parameter": _parameter, "scenario": _scenario, "table": _table, "step": _step,
    "family": _flag, "quadrant": _text_key, "origin_quadrant": _text_key,
    "importance_basis": _text_key, "cube_cell": _parts("/", "/"),
    "tier": _prefixed("signal_tier_"), "rule": _prefixed("signal_rule_"),
    "blocs": _parts(", ", "、"), "region": _flag,
}


def translator(column: str) -> Callable[[str, str], str] | None:
    """How the values of ``column`` are shown in a language (None: as they are)."""
    if column in _VALUE_KINDS:
        return _VALUE_KINDS[column]
    if column in ("missing", "missing_reasons") or column.endswith("_missing"):
        return _missing
    if column.endswith("reason"):
        return _reason
    return None


def cell(value: Any, column: str, lang: str) -> str:
    """One value as a table shows it."""
    if value is None:
        return ""
    if hasattr(value, "item") and not isinstance(value, (str, list, dict)):
        value = value.item()
    if isinstance(value, float) and column.endswith("_share") and math.isfinite(value):
        return f"{number(100 * value)}{'%' if lang == 'ja' else ' %'}"  # a share: percent
    if isinstance(value, (bool, int, float)):
        return number(value, column)
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v, column, lang) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{header(k, lang)}: {cell(v, k, lang)}" for k, v in value.items())
    text = value if isinstance(value, str) else str(value)   # a reason keeps its code
    tr = translator(column)
    return tr(text, lang) if tr is not None and text else str(text)


def _longest_word(texts: Sequence[str]) -> int:
    """The cells the longest unbreakable unit of ``texts`` needs: a word, or in Japanese
    one character or Latin word with its brackets and punctuation (:data:`UNITS`, as
    :func:`wrap_japanese` breaks lines)."""
    from rich.cells import cell_len

    return max((cell_len(u) for t in texts for u in UNITS.findall(t) if not u.isspace()),
               default=1)


JAPANESE_COLUMN_CELLS = 8
"""The narrowest a column holding Japanese is made (4 characters) when its text is wider:
Japanese breaks between any two characters, so its longest unbreakable unit (one
character) is no measure of a width a reader can read (at 80 columns a ten-column table
came out with headers and values one character per line)."""


def least_cells(head: str, values: Sequence[str]) -> int:
    """The cells a column needs at least: its longest word (header or value), and where
    it holds Japanese, :data:`JAPANESE_COLUMN_CELLS` or its widest text if narrower."""
    from rich.cells import cell_len

    texts = [head, *values]
    word = _longest_word(texts)
    if not any(cell_len(t) > len(t) for t in texts):   # no wide (Japanese) character
        return word
    return max(word, min(max(cell_len(t) for t in texts), JAPANESE_COLUMN_CELLS))


def fit_columns(headers: Sequence[str], columns: Sequence[Sequence[str]], width: int,
                keep: int = 1) -> list[int]:
    """Indices of the columns shown at ``width`` cells: in order, each at least
    :func:`least_cells` wide, up to the first that does not fit (the first ``keep``
    always)."""
    shown, used = [], 1
    for i, (head, values) in enumerate(zip(headers, columns, strict=True)):
        need = least_cells(head, values) + _BORDER
        if i >= keep and used + need > width:
            break
        shown.append(i)
        used += need
    return shown


def column_widths(least: Sequence[int], natural: Sequence[int], width: int) -> list[int]:
    """Widths of columns that each need ``least`` cells and would like ``natural``, in a
    table ``width`` cells wide: the room left over after ``least`` is shared in
    proportion to what each column lacks."""
    room = width - 1 - sum(w + _BORDER for w in least)
    lack = [max(n - m, 0) for m, n in zip(least, natural, strict=True)]
    total = sum(lack)
    if room <= 0 or total == 0:
        return list(least)
    if total <= room:
        return [max(m, n) for m, n in zip(least, natural, strict=True)]
    return [m + (room * d) // total for m, d in zip(least, lack, strict=True)]


def common_values(columns: Sequence[str], cells: Sequence[Sequence[str]],
                  numeric: Sequence[bool], rows: int = 2) -> tuple[list[int], list[int]]:
    """Indices of the columns that are empty in every row, and of the text (or year)
    columns with one value in every row when there are at least ``rows`` rows: a table
    states those once, above it, instead of repeating them."""
    empty = [i for i, col in enumerate(cells) if not any(col)]
    same = [i for i, (name, col, num) in enumerate(zip(columns, cells, numeric, strict=True))
            if len(col) >= rows and col[0] and len(set(col)) == 1
            and (not num or "year" in name)]
    return empty, same


def people_table(records: list[dict[str, Any]], columns: list[str], lang: str,
                 title: str | None, width: int) -> tuple[str, Any, list[str]]:
    """The heading (``title`` and caption), a Rich table of ``records`` for a reader at
    ``width`` cells, and the headers of the columns left out. Columns empty in every row
    are left out; a text column with the same value in every row is stated once in the
    caption (``header: value``) — in a one-row table only when that makes the table fit
    and leaves a column in it."""
    from rich.cells import cell_len
    from rich.table import Table

    numeric = [all(_is_number(r.get(c)) for r in records) for c in columns]
    every = [[cell(r.get(c), c, lang) for r in records] for c in columns]
    for least_rows in (2, 1):
        empty, same = common_values(columns, every, numeric, least_rows)
        keep = [i for i in range(len(columns)) if i not in empty and i not in same]
        if not keep:
            break
        cols, cells, nums = ([seq[i] for i in keep] for seq in (columns, every, numeric))
        headers = [header(c, lang) for c in cols]
        shown = fit_columns(headers, cells, width)
        if len(shown) == len(cols):
            break
    caption = " · ".join(f"{header(columns[i], lang)}: {every[i][0]}" for i in same)
    columns, numeric = cols, nums
    least = [least_cells(headers[i], cells[i]) for i in shown]
    natural = [max(cell_len(t) for t in ([] if numeric[i] else [headers[i]]) + cells[i])
               for i in shown]
    heading = "\n".join(t for t in (title, caption) if t)
    table = Table(title=None)
    widths = column_widths(least, natural, width)
    for i, w in zip(shown, widths, strict=True):
        table.add_column(wrap_japanese(headers[i], w), width=w, overflow="fold",
                         justify="right" if numeric[i] else "left")
    for row in range(len(records)):
        table.add_row(*(wrap_japanese(cells[i][row], w)
                        for i, w in zip(shown, widths, strict=True)))
    return heading, table, [headers[i] for i in range(len(columns)) if i not in shown]


OPENING = "（「『【〔［｛〈《"
"""Brackets that never end a line (kinsoku: they stay with what follows)."""
CLOSING = "、。，．）」』】〕］｝〉》：；！？…ー・"
"""Punctuation that never starts a line (it stays with what precedes)."""
_WIDE = "\u3000-\u30ff\u3400-\u9fff\uff00-\uffef"
UNITS = re.compile(rf"\s+|[{OPENING}]*(?:[{_WIDE}]|[^\s{_WIDE}]+)[{CLOSING}]*")
"""What a Japanese line may not be broken inside: a space run, or one wide character or
one Latin word with the opening brackets before and the closing punctuation after it."""


def wrap_japanese(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` cells where it holds Japanese:
    between any two Japanese characters or at a space, never inside a Latin word (a
    terminal table otherwise breaks Japanese only at spaces, leaving ragged lines).
    Text without wide characters is left to the table."""
    from rich.cells import cell_len

    if cell_len(text) <= width or cell_len(text) == len(text):
        return text
    lines, line = [], ""
    for token in UNITS.findall(text):
        if token.isspace():
            token = " "
        if line and cell_len(line + token) > width:
            lines.append(line.rstrip())
            line = "" if token == " " else token
        else:
            line += token
    lines.append(line.rstrip())
    return "\n".join(x for x in lines if x)


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
