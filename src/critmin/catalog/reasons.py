"""One vocabulary of phrases for every command: missing-data reasons and the notes beside
each value (catalog ``missing_reasons``, ``axis_notes``).

Each phrase is a code with an English and a Japanese ``str.format`` template
(``catalog/data/missing_reasons.csv``, ``axis_notes.csv``). Methods and analyses write
``reason(code, **fields)`` or ``note(code, **fields)``: a :class:`Phrase`, the English
text (what JSON and CSV carry) that also carries its code and fields (ids), so views
render it in a reader's language by looking the code up (:meth:`Phrase.render`) — never
by reading the English text back. Whole arrays come from :func:`reason_array` and
:func:`note_array`; several phrases become one with :func:`join_phrases`. ``code_of``
gives a phrase's code, so tests and views compare reasons without comparing wording.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from critmin.catalog.langs import LANGS

#: What a stage's trade is called in a reason, per language (HS chapters 26, 28/81, 81).
STAGE_LABELS: dict[str, dict[str, str]] = {
    "mining": {"en": "ores and concentrates", "ja": "鉱石・精鉱"},
    "refining": {"en": "refined products", "ja": "製錬品"},
    "scrap": {"en": "scrap", "ja": "スクラップ"},
}
#: The stage names themselves (the ``stage`` field), per language.
STAGE_NAMES: dict[str, dict[str, str]] = {
    "mining": {"en": "mining", "ja": "採掘"},
    "refining": {"en": "refining", "ja": "製錬"},
    "scrap": {"en": "scrap", "ja": "スクラップ"},
}


def stage_label(stage: str, lang: str = "en") -> str:
    """What the trade of ``stage`` is called in ``lang`` ("ores and concentrates", …)."""
    try:
        return STAGE_LABELS[stage][lang]
    except KeyError:
        raise ValueError(f"no stage label for stage {stage!r} in {lang!r}") from None


@dataclass(frozen=True)
class StageCodes:
    """The catalog's HS6 codes of one commodity stage (``commodity_stages.csv``)."""

    hs6: tuple[str, ...]      # empty: the catalog has no HS6 code for the stage
    shared: bool              # every code has role ``shared``: its trade is not the stage's
    others: tuple[str, ...]   # other commodities listing any of the codes


@cache
def stage_codes() -> dict[tuple[str, str], StageCodes]:
    """Every catalog commodity stage with its HS6 codes, whether they are all shared, and
    the other commodities listing them."""
    from critmin.catalog.tables import read_table

    rows = read_table("commodity_stages")
    users: dict[str, set[str]] = {}
    for r in rows:
        if r["hs6"]:
            users.setdefault(r["hs6"], set()).add(r["commodity_id"])
    grouped: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in rows:
        grouped.setdefault((r["commodity_id"], r["stage"]), []).append(r)
    out: dict[tuple[str, str], StageCodes] = {}
    for (cid, stage), rs in grouped.items():
        codes = tuple(sorted({r["hs6"] for r in rs if r["hs6"]}))
        shared = bool(codes) and all(r["role"] == "shared" for r in rs if r["hs6"])
        others = tuple(sorted(set().union(*(users[c] for c in codes)) - {cid})) if codes \
            else ()
        out[(cid, stage)] = StageCodes(codes, shared, others)
    return out


def trade_gap(commodity_id: str, stage: str, years: object, traded: bool,
              last: int | None = None) -> str:
    """Why a commodity stage has no trade-based figure for ``years`` whoever imports
    ("" when the store has trade in its codes, ``traded``): the catalog has no HS6 code
    for it; the store has no trade in its codes and they are all shared with other
    commodities (their trade could not be the stage's alone); the store's trade in its
    codes ends in ``last``; or the store has none. The codes are the catalog's
    (:func:`stage_codes`). A :class:`Phrase` (:func:`reason`)."""
    codes = stage_codes().get((commodity_id, stage))
    if codes is None or not codes.hs6:
        return reason("no_hs_code", stage_label=stage, commodity=commodity_id)
    if traded:
        return ""
    hs6 = ", ".join(codes.hs6)
    if codes.shared:
        return reason("shared_hs_code", hs6=hs6, others=", ".join(codes.others) or "none",
                      commodity=commodity_id)
    if last is not None:
        return reason("trade_ends", stage_label=stage, commodity=commodity_id, last=last,
                      years=years)
    return reason("no_trade_in_store", stage_label=stage, commodity=commodity_id, hs6=hs6,
                  years=years)


def has_codes(commodity_id: str, stage: str) -> bool:
    """Whether the catalog has HS6 codes for the stage (else :func:`trade_gap` needs no
    look at the store)."""
    codes = stage_codes().get((commodity_id, stage))
    return codes is not None and bool(codes.hs6)


@dataclass(frozen=True)
class _Template:
    code: str
    en: str
    ja: str
    fields: tuple[str, ...]
    field_set: frozenset[str]


def _fields(code: str, template: str) -> tuple[str, ...]:
    """The field names of ``template`` in order of first use (each a plain name)."""
    fields: list[str] = []
    for _text, name, spec, conv in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conv:
            raise ValueError(f"reason {code!r}: field {{{name}}} must be a plain name")
        if name not in fields:
            fields.append(name)
    return tuple(fields)


#: The vocabularies: missing-data reasons, and the notes beside each axis value
#: (its basis and detail), each a catalog file ``code,en,ja,note``.
VOCABULARIES = ("missing_reasons", "axis_notes")


@cache
def _vocabulary(name: str) -> dict[str, _Template]:
    body = resources.files("critmin.catalog").joinpath("data", f"{name}.csv")
    out: dict[str, _Template] = {}
    for row in csv.DictReader(body.read_text(encoding="utf-8").splitlines()):
        code = row["code"]
        if code in out:
            raise ValueError(f"{name}.csv: code {code!r} twice")
        fields = _fields(code, row["en"])
        ja_fields = {n for _, n, _, _ in string.Formatter().parse(row["ja"]) if n}
        if ja_fields != set(fields):
            raise ValueError(f"{name}.csv: {code!r} has fields {sorted(fields)} in "
                             f"English but {sorted(ja_fields)} in Japanese")
        out[code] = _Template(code, row["en"], row["ja"], fields, frozenset(fields))
    return out


@cache
def _templates() -> dict[str, _Template]:
    out: dict[str, _Template] = {}
    for name in VOCABULARIES:
        twice = out.keys() & _vocabulary(name).keys()
        if twice:
            raise ValueError(f"{name}.csv: codes {sorted(twice)} are in another vocabulary")
        out.update(_vocabulary(name))
    return out


#: Every code of the missing-data reasons, in the order of ``missing_reasons.csv``.
REASON_CODES: tuple[str, ...] = tuple(_vocabulary("missing_reasons"))
#: Every code of the axis notes, in the order of ``axis_notes.csv``.
NOTE_CODES: tuple[str, ...] = tuple(_vocabulary("axis_notes"))

#: How several reasons are joined, per language.
REASON_SEPARATOR: dict[str, str] = {"en": "; ", "ja": "；"}


class _FieldRows:
    """The fields of many phrases made at once (:func:`reason_array`): scalars, arrays
    with the values of each field, the position of each phrase's value in them, and the
    phrases' texts (a phrase's ``fields`` are read from here only when asked, by its
    text)."""

    __slots__ = ("scalars", "arrays", "texts", "_index")

    def __init__(self, scalars: dict[str, str],
                 arrays: dict[str, tuple[np.ndarray, np.ndarray]], texts: list[str]) -> None:
        """``arrays``: field → (values, position of the value of each phrase)."""
        self.scalars, self.arrays, self.texts, self._index = scalars, arrays, texts, None

    def of(self, text: str) -> dict[str, str]:
        """The fields of the phrase reading ``text`` (texts made from different fields
        never share this lookup: such phrases carry their fields themselves)."""
        if self._index is None:
            self._index = {t: i for i, t in enumerate(self.texts)}
        return self.row(self._index[text])

    def row(self, i: int) -> dict[str, str]:
        """The fields of the ``i``-th phrase."""
        return {**self.scalars, **{k: str(v[at[i]]) for k, (v, at) in self.arrays.items()}}


def _array_phrase_class(code: str, rows: _FieldRows) -> type[Phrase]:
    """A subclass of :class:`Phrase` for the phrases of one array: its code and fields
    are the class's (so making each phrase is one C-level ``str.__new__``)."""
    def fields(self: Phrase) -> dict[str, str]:
        return rows.of(str(self))
    return type("Phrase", (Phrase,), {"__slots__": (), "code": code, "parts": (),
                                      "fields": property(fields),
                                      "__module__": __name__})


class Phrase(str):
    """A text of the vocabulary (a missing-data reason, an axis note): its English text
    (what JSON and CSV carry), with the code and fields it was made from, so a view
    renders it in any language by looking the code up — never by reading the English
    text. Several reasons joined (:func:`join_phrases`) keep their parts. Stays a
    ``str`` for every other use."""

    __slots__ = ("code", "_fields", "parts")
    code: str | None
    parts: tuple[Phrase, ...]

    @classmethod
    def of(cls, text: str, code: str | None, fields: dict[str, str],
           parts: tuple[Phrase, ...] = ()) -> Phrase:
        """The phrase reading ``text``, made from template ``code`` with ``fields``, or
        joining ``parts`` (``code`` None). (Not a ``__new__``: so the phrases of an array,
        of a subclass holding code and fields, are made by ``str``'s own constructor.)"""
        if (code is None) == (not parts):
            raise ValueError("a phrase has a code or joins parts (not both, not neither)")
        self = str.__new__(cls, text)
        self.code, self._fields, self.parts = code, fields, parts
        return self

    @property
    def fields(self) -> dict[str, str]:
        """The fields the phrase was made with (ids and values, as text)."""
        return self._fields

    def __reduce__(self) -> tuple[object, ...]:
        return (Phrase.of, (str(self), self.code, self.fields, self.parts))

    def render(self, lang: str) -> str:
        """This phrase for a reader in ``lang``: its template in ``lang`` with its
        fields (stage labels, stage, commodity, lever and, in Japanese, country names
        translated; in English too, commodity ids become names); joined reasons each
        rendered and joined by the language's separator."""
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
        if self.code is None:
            return REASON_SEPARATOR[lang].join(p.render(lang) for p in self.parts)
        return _render(_template(self.code), lang, self.fields)


def fields_of(code: str) -> tuple[str, ...]:
    """The fields the template of ``code`` needs."""
    return _template(code).fields


def english_template(code: str) -> str:
    """The English template of ``code`` (``{field}`` placeholders), as the vocabulary
    file states it."""
    return _template(code).en


def _template(code: str) -> _Template:
    t = _templates().get(code)
    if t is None:
        raise ValueError(f"unknown phrase {code!r}; codes: {', '.join(_templates())}")
    return t


def _checked(code: str, fields: dict[str, object], vocabulary: str) -> _Template:
    t = _vocabulary(vocabulary).get(code)
    if t is None:
        kind = {"missing_reasons": "missing reason", "axis_notes": "axis note"}[vocabulary]
        raise ValueError(f"unknown {kind} {code!r} ({vocabulary}.csv); codes: "
                         f"{', '.join(_vocabulary(vocabulary))}")
    if fields.keys() != t.field_set:
        absent = [f for f in t.fields if f not in fields]
        extra = [f for f in fields if f not in t.fields]
        raise ValueError(f"{code!r} takes fields {', '.join(t.fields)}; "
                         f"missing {absent}, unexpected {extra}")
    return t


def _make(t: _Template, fields: dict[str, object]) -> Phrase:
    """Template ``t`` with ``fields`` (ids and values, kept as given): its English text
    names each field by its text form (:data:`TEXT_FORMS`)."""
    values = {k: str(v) for k, v in fields.items()}
    return Phrase.of(t.en.format_map({k: _text_form(k, v) for k, v in values.items()}),
                     t.code, values)


def reason(code: str, /, **fields: object) -> Phrase:
    """The reason ``code`` with ``fields`` filled in: a :class:`Phrase` (its English
    text, carrying code and fields; :meth:`Phrase.render` gives it in a language). An
    unknown code, a missing field or an unexpected one raises :class:`ValueError`."""
    return _make(_checked(code, fields, "missing_reasons"), fields)


def join_phrases(reasons: Iterable[object]) -> str:
    """Several reasons (or notes) as one (each distinct one once, in order; joined ones
    flattened; empty ones dropped): "" for none, the phrase itself for one, else a
    :class:`Phrase` whose parts render one by one."""
    parts: dict[Phrase, None] = {}
    for r in reasons:
        if not r or not isinstance(r, str):
            continue
        if not isinstance(r, Phrase):
            raise TypeError(f"not a phrase of the vocabulary (catalog missing_reasons.csv, "
                            f"axis_notes.csv): {r!r}")
        for p in r.parts or (r,):
            parts[p] = None
    if not parts:
        return ""
    if len(parts) == 1:
        return next(iter(parts))
    items = tuple(parts)
    return Phrase.of(REASON_SEPARATOR["en"].join(items), None, {}, items)


def split_phrases(value: object) -> list[Phrase]:
    """The reasons in ``value``: the parts of joined reasons, a reason alone, none for
    an empty value; any other text raises :class:`TypeError`."""
    if not value:
        return []
    if not isinstance(value, Phrase):
        raise TypeError(f"not a phrase of the vocabulary (catalog missing_reasons.csv, "
                        f"axis_notes.csv), or one that lost its code: {value!r}")
    return list(value.parts or (value,))


def join_phrase_arrays(*columns: np.ndarray) -> np.ndarray:
    """Row by row, the phrases of ``columns`` (object arrays of phrases or "") joined as
    :func:`join_phrases` — once per distinct combination of the rows' texts."""
    n = len(columns[0])
    if n == 0:
        return np.empty(0, dtype=object)
    stacked = np.column_stack([np.asarray(c, dtype=object) for c in columns])
    key = pd.Series(stacked[:, 0]).astype(str)
    for j in range(1, stacked.shape[1]):
        key = key + "\x00" + pd.Series(stacked[:, j]).astype(str)
    codes, _ = pd.factorize(key)
    first = _first_of_each(codes)
    joined = np.empty(len(first), dtype=object)
    for u, row in enumerate(first.tolist()):
        joined[u] = join_phrases(stacked[row])
    return joined[codes]


def code_of(value: object) -> str | None:
    """The code of a reason (None for joined reasons and any other text)."""
    return value.code if isinstance(value, Phrase) else None


@cache
def _commodity_names() -> dict[str, dict[str, str]]:
    from critmin.catalog.tables import read_table

    return {r["commodity_id"]: {"en": r["name_en"], "ja": r["name_ja"]}
            for r in read_table("commodities")}


def _from_map(table: dict[str, dict[str, str]]) -> Callable[[str, str], str]:
    """A field whose value is a key of ``table`` (a stage id), by its entry in a
    language (an unknown key as it is)."""
    def render(value: str, lang: str) -> str:
        return table.get(value, {}).get(lang, value)
    return render


def _commodity(value: str, lang: str) -> str:
    """A commodity id as its name in ``lang``; in English in the
    middle of a sentence ("of rare earths"), so lower-cased unless an acronym."""
    entry = _commodity_names().get(value)
    if not entry:
        return value
    name = entry[lang]
    if lang == "en" and len(name) > 1 and name[1].islower():
        name = name[0].lower() + name[1:]
    return name


def _commodities(value: str, lang: str) -> str:
    """A comma-separated list of commodity ids as names (separated by 、 in Japanese)."""
    return ("、" if lang == "ja" else ", ").join(
        _commodity(v.strip(), lang) for v in value.split(","))


@cache
def _measure_names() -> dict[str, dict[str, str]]:
    from critmin.catalog.tables import read_table

    return {r["measure_id"]: {"en": r["name_en"].lower(), "ja": r["name_ja"]}
            for r in read_table("policy_measures")}


def _lever(value: str, lang: str) -> str:
    """A policy measure id (a what-if lever) by its name."""
    entry = _measure_names().get(value)
    return entry[lang] if entry else value


def _levers(value: str, lang: str) -> str:
    """Comma-separated measure ids by their names."""
    return ("、" if lang == "ja" else ", ").join(_lever(v, lang) for v in value.split(","))


@cache
def _country_names_ja() -> dict[str, str]:
    from critmin.catalog.countries import country_table

    t = country_table()
    return dict(zip(t["iso3"], t["name_ja"], strict=True))


def _place(value: str, lang: str) -> str:
    """A country's ISO3 code as its Japanese name in Japanese prose (codes stay in
    English, where they read as codes; a group id stays as it is)."""
    return _country_names_ja().get(value, value) if lang == "ja" else value


@cache
def _note_values() -> dict[tuple[str, str], dict[str, str]]:
    """``(field, value) → {en, ja}`` of ``note_values.csv`` (price kinds, series kinds)."""
    body = resources.files("critmin.catalog").joinpath("data", "note_values.csv")
    return {(r["field"], r["value"]): {"en": r["en"], "ja": r["ja"]}
            for r in csv.DictReader(body.read_text(encoding="utf-8").splitlines())}


def _note_value(field: str) -> Callable[[str, str], str]:
    """A ``field`` whose values ``note_values.csv`` names (a price kind ``market``,
    ``unit_value`` or "" for none; a measure ``quantity``, ``value``, …); a value it
    does not name as it is."""
    def render(value: str, lang: str) -> str:
        return _note_values().get((field, value), {}).get(lang, value)
    return render


def series_name(value: str, lang: str) -> str:
    """A price series id ``<kind>:<name>`` (``pinksheet:Cobalt``, ``uv:810520``) by its
    kind's name with the series' own name."""
    kind, _, name = value.partition(":")
    entry = _note_values().get(("series", kind))
    return entry[lang].format(name=name) if entry and name else value


#: Fields whose values are themselves translated; other fields are carried over as is.
_FIELD_TRANSLATORS: dict[str, Callable[[str, str], str]] = {
    "stage_label": _from_map(STAGE_LABELS),
    "stage": _from_map(STAGE_NAMES),
    "commodity": _commodity,
    "others": _commodities,
    "lever": _lever,
    "levers": _levers,
    "importer": _place,
    "exporter": _place,
    "country": _place,
    "price": _note_value("price"),
    "basis": _note_value("basis"),
    "series": series_name,
}


#: The English text of fields given by id in a phrase's own (JSON) text: what a stage's
#: trade is called, a lever's name. Other fields read as given (commodity ids, ISO3).
TEXT_FORMS: dict[str, Callable[[str], str]] = {
    "stage_label": stage_label,
    "lever": lambda v: _lever(v, "en"),
    "levers": lambda v: _levers(v, "en"),
}


def _render(t: _Template, lang: str, fields: dict[str, str]) -> str:
    """Template ``t`` in ``lang`` with ``fields`` (ids and values as text), each by its
    :data:`_FIELD_TRANSLATORS` entry (stage labels, stages, commodities, levers, price
    and measure kinds, series, and in Japanese countries); the others as they are."""
    values = {k: _FIELD_TRANSLATORS.get(k, lambda v, _lang: v)(v, lang)
              for k, v in fields.items()}
    return getattr(t, lang).format(**values)


def reason_array(code: str, **fields: object) -> np.ndarray:
    """:func:`reason` for whole arrays: each field a scalar or an array (all arrays of
    one length); returns an object array of :class:`Phrase` (one object per distinct
    text, shared by its rows)."""
    return _phrase_array(_checked(code, fields, "missing_reasons"), fields)


def note(code: str, /, **fields: object) -> Phrase:
    """The axis note ``code`` (``axis_notes.csv``) with ``fields`` filled in."""
    return _make(_checked(code, fields, "axis_notes"), fields)


def note_array(code: str, **fields: object) -> np.ndarray:
    """The axis note ``code`` (``axis_notes.csv``: an axis value's basis or detail) for
    whole arrays, as :func:`reason_array`."""
    return _phrase_array(_checked(code, fields, "axis_notes"), fields)


def _phrase_array(t: _Template, fields: dict[str, object]) -> np.ndarray:
    """Template ``t`` filled row by row: the fields factorised (not the texts) into a
    grid — the combinations of all fields but the one with the most values × that
    one — and filled by :func:`_grid_phrases`."""
    arrays = {k: v for k, v in fields.items() if not isinstance(v, str) and np.ndim(v) == 1}
    sizes = {len(v) for v in arrays.values()}
    if len(sizes) > 1:
        raise ValueError(f"{t.code!r}: field arrays of different lengths {sizes}")
    n = sizes.pop() if sizes else 1
    scalars = {k: v for k, v in fields.items() if k not in arrays}
    if n == 0:
        return np.empty(0, dtype=object)
    if not arrays:
        return np.full(n, _make(t, scalars), dtype=object)
    factors = {k: _factorize(v) for k, v in arrays.items()}
    wide = max(factors, key=lambda k: len(factors[k][1]))   # the field joined in last
    rest = np.zeros(n, dtype=np.int64)
    for k, (codes, uniques) in factors.items():
        if k != wide:
            rest, _ = pd.factorize(rest * len(uniques) + codes)
    first = _first_of_each(rest)
    rows = {k: uniques[codes[first]] for k, (codes, uniques) in factors.items() if k != wide}
    return _grid_phrases(t, scalars, rows, (wide, factors[wide][1]), rest, factors[wide][0])


def grid_reasons(code: str, rows: dict[str, Any], column: tuple[str, Any],
                 row_ix: np.ndarray, column_ix: np.ndarray, **scalars: object) -> np.ndarray:
    """:func:`reason` for the cells ``(row_ix[i], column_ix[i])`` of a grid whose rows
    carry the fields ``rows`` (arrays over the rows) and whose columns the field
    ``column = (name, values)`` (e.g. HHI rows × importers): no factorising, one
    ``str.join`` per distinct cell."""
    t = _checked(code, {**rows, column[0]: None, **scalars}, "missing_reasons")
    return _grid_phrases(t, scalars, {k: np.asarray(v, dtype=object) for k, v in rows.items()},
                         (column[0], np.asarray(column[1], dtype=object)),
                         np.asarray(row_ix, dtype=np.int64), np.asarray(column_ix, dtype=np.int64))


def _grid_phrases(t: _Template, scalars: dict[str, object], rows: dict[str, np.ndarray],
                  column: tuple[str, np.ndarray], row_ix: np.ndarray, column_ix: np.ndarray
                  ) -> np.ndarray:
    """Template ``t`` for the cells ``(row_ix, column_ix)``: formatted once per row used
    (with a marker where the column's field goes), then joined with the column's text —
    one :class:`Phrase` per distinct cell, made by one C-level call each."""
    name, values = column
    if not len(row_ix):
        return np.empty(0, dtype=object)
    n_rows = max((len(v) for v in rows.values()), default=int(row_ix.max()) + 1)
    by_row = row_ix * max(len(values), 1) + column_ix
    if _increasing(by_row) or _increasing(column_ix * n_rows + row_ix):
        key = first = np.arange(len(row_ix))   # distinct cells (a grid's mask, either order)
    else:
        key, _ = pd.factorize(by_row)
        first = _first_of_each(key)
    cell_rows, cell_columns = row_ix[first], column_ix[first]
    fixed = {k: _text_form(k, str(v)) for k, v in scalars.items()}
    mark = "\x00"
    pieces = {r: t.en.format_map({**fixed, name: mark, **{
        k: _text_form(k, str(v[r])) for k, v in rows.items()}}).split(mark)
        for r in np.unique(cell_rows).tolist()}
    shown = _text_form(name, np.array(list(map(str, values.tolist())), dtype=object))
    texts = _joined(pieces, cell_rows, shown[cell_columns])
    fields = _FieldRows({k: str(v) for k, v in scalars.items()},
                        {**{k: (v, cell_rows) for k, v in rows.items()},
                         name: (values, cell_columns)}, texts)
    kind = _array_phrase_class(t.code, fields)
    out = np.empty(len(texts), dtype=object)
    with _no_gc():   # many small objects, no cycles: no collection passes over them
        out[:] = list(map(kind, texts))
    if len(set(texts)) < len(texts):   # one text from different fields: fields of its own
        for j in np.flatnonzero(pd.Series(texts).duplicated(keep=False).to_numpy()):
            out[j] = Phrase.of(texts[j], t.code, fields.row(int(j)))
    return out[key]


def _increasing(flat: np.ndarray) -> bool:
    """Whether ``flat`` increases strictly (so its values are distinct)."""
    return bool((flat[1:] > flat[:-1]).all())


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused (restored as it was). It is process-wide: a
    thread finding it paused by another leaves it to that one to restore."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _joined(pieces: dict[int, list[str]], rows: np.ndarray, shown: np.ndarray) -> list[str]:
    """Per cell, its row's pieces joined with its column's text: one C-level
    ``str.join`` per cell (no intermediate strings)."""
    order = np.array(sorted(pieces), dtype=np.int64)
    by_row = np.empty(len(order), dtype=object)
    by_row[:] = [pieces[r] for r in order.tolist()]
    return list(map(str.join, shown.tolist(), by_row[np.searchsorted(order, rows)].tolist()))


def _factorize(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes and distinct values of a field array."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _first_of_each(key: np.ndarray) -> np.ndarray:
    """For integer codes ``key`` (0 … k−1, each present): the first row of each code."""
    first = np.full(int(key.max()) + 1, len(key), dtype=np.int64)
    np.minimum.at(first, key, np.arange(len(key)))
    return first


def _text_form(name: str, value: Any) -> Any:
    """:data:`TEXT_FORMS` of field ``name`` for a value or an object array of values
    (each distinct value formed once)."""
    form = TEXT_FORMS.get(name)
    if form is None:
        return value
    if isinstance(value, str):
        return form(value)
    forms = {v: form(v) for v in set(value.tolist())}
    return np.array([forms[v] for v in value.tolist()], dtype=object)
