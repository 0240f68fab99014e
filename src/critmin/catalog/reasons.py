"""One vocabulary of missing-data reasons for every command (catalog ``missing_reasons``).

Each reason is a code with an English and a Japanese ``str.format`` template
(``catalog/data/missing_reasons.csv``). Methods and analyses write
``reason(code, **fields)``, in another language ``reason(code, lang, **fields)``: the
template of ``code`` in ``lang`` filled with the same fields (stage labels, stage and
commodity names translated), a lookup by code. A text already written in English is
rendered in another language with ``translate``, which finds the template the text was
made from (each template is compiled to a regular expression, so no pattern is written
by hand) and fills the Japanese template with the same fields. ``code_of`` gives the code
of a text, so tests and views can compare reasons without comparing wording.
"""

from __future__ import annotations

import csv
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

LANGS = ("en", "ja")

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
              last: int | None = None, lang: str = "en") -> str:
    """Why a commodity stage has no trade-based figure for ``years`` whoever imports
    ("" when the store has trade in its codes, ``traded``): the catalog has no HS6 code
    for it; the store has no trade in its codes and they are all shared with other
    commodities (their trade could not be the stage's alone); the store's trade in its
    codes ends in ``last``; or the store has none. The codes are the catalog's
    (:func:`stage_codes`). The text is in ``lang`` (:func:`reason`)."""
    codes = stage_codes().get((commodity_id, stage))
    label = stage_label(stage)
    if codes is None or not codes.hs6:
        return reason("no_hs_code", lang, stage_label=label, commodity=commodity_id)
    if traded:
        return ""
    hs6 = ", ".join(codes.hs6)
    if codes.shared:
        return reason("shared_hs_code", lang, hs6=hs6, others=", ".join(codes.others) or "none",
                      commodity=commodity_id)
    if last is not None:
        return reason("trade_ends", lang, stage_label=label, commodity=commodity_id, last=last,
                      years=years)
    return reason("no_trade_in_store", lang, stage_label=label, commodity=commodity_id, hs6=hs6,
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
    pattern: re.Pattern[str]
    literal: int  # characters of fixed text: the more, the more specific the template


def _compile(code: str, template: str) -> tuple[tuple[str, ...], re.Pattern[str], int]:
    """The field names of ``template``, a regex matching its renderings, and its literal
    length. A field matches any non-empty text (lazily); a repeated field must repeat."""
    parts: list[str] = []
    fields: list[str] = []
    literal = 0
    for text, name, spec, conv in string.Formatter().parse(template):
        parts.append(re.escape(text))
        literal += len(text)
        if name is None:
            continue
        if not name.isidentifier() or spec or conv:
            raise ValueError(f"reason {code!r}: field {{{name}}} must be a plain name")
        if name in fields:
            parts.append(f"(?P={name})")
        else:
            fields.append(name)
            parts.append(f"(?P<{name}>.+?)")
    return tuple(fields), re.compile("".join(parts), re.DOTALL), literal


@cache
def _templates() -> dict[str, _Template]:
    body = resources.files("critmin.catalog").joinpath("data", "missing_reasons.csv")
    out: dict[str, _Template] = {}
    for row in csv.DictReader(body.read_text(encoding="utf-8").splitlines()):
        code = row["code"]
        if code in out:
            raise ValueError(f"missing_reasons.csv: code {code!r} twice")
        fields, pattern, literal = _compile(code, row["en"])
        ja_fields = {n for _, n, _, _ in string.Formatter().parse(row["ja"]) if n}
        if ja_fields != set(fields):
            raise ValueError(f"missing_reasons.csv: {code!r} has fields {sorted(fields)} in "
                             f"English but {sorted(ja_fields)} in Japanese")
        out[code] = _Template(code, row["en"], row["ja"], fields, frozenset(fields), pattern,
                              literal)
    return out


#: Every code of the vocabulary, in the order of ``missing_reasons.csv``.
REASON_CODES: tuple[str, ...] = tuple(_templates())


def fields_of(code: str) -> tuple[str, ...]:
    """The fields the template of ``code`` needs."""
    return _template(code).fields


def _template(code: str) -> _Template:
    t = _templates().get(code)
    if t is None:
        raise ValueError(f"unknown missing reason {code!r}; codes: {', '.join(REASON_CODES)}")
    return t


def reason(code: str, lang: str = "en", /, **fields: object) -> str:
    """The reason ``code`` in ``lang`` (English by default) with ``fields`` filled in
    (in another language, stage labels, stage and commodity names translated: the text
    :func:`translate` gives for the English one); an unknown code, a missing field or an
    unexpected one raises :class:`ValueError`."""
    t = _templates().get(code) or _template(code)
    if fields.keys() != t.field_set:
        absent = [f for f in t.fields if f not in fields]
        extra = [f for f in fields if f not in t.fields]
        raise ValueError(f"reason {code!r} takes fields {', '.join(t.fields)}; "
                         f"missing {absent}, unexpected {extra}")
    if lang == "en":
        return t.en.format_map(fields)
    return _render(t, lang, {k: str(v) for k, v in fields.items()})


def _match(text: str) -> tuple[_Template, dict[str, str]] | None:
    best: tuple[_Template, dict[str, str]] | None = None
    for t in _templates().values():
        m = t.pattern.fullmatch(text)
        if m is not None and (best is None or t.literal > best[0].literal):
            best = (t, m.groupdict())
    return best


def code_of(text: str) -> str | None:
    """The code of the reason ``text`` was made from (None for any other text)."""
    hit = _match(text) if text else None
    return hit[0].code if hit else None


def fields_from(text: str) -> dict[str, str] | None:
    """The fields ``text`` was made with (None if it is no reason of the vocabulary)."""
    hit = _match(text) if text else None
    return hit[1] if hit else None


@cache
def _commodity_names() -> dict[str, dict[str, str]]:
    from critmin.catalog.tables import read_table

    out: dict[str, dict[str, str]] = {}
    for r in read_table("commodities"):
        names = {"en": r["name_en"], "ja": r["name_ja"]}
        out[r["commodity_id"]] = names
        out[r["name_en"]] = names
    return out


def _from_map(table: dict[str, dict[str, str]]) -> Callable[[str, str], str]:
    reverse = {v["en"]: v for v in table.values()}

    def render(value: str, lang: str) -> str:
        entry = table.get(value) or reverse.get(value)
        return entry[lang] if entry else value
    return render


def _commodity(value: str, lang: str) -> str:
    """A commodity id (or English name) as its name in ``lang``; in English in the
    middle of a sentence ("of rare earths"), so lower-cased unless an acronym."""
    entry = _commodity_names().get(value)
    if not entry:
        return value
    name = entry[lang]
    if lang == "en" and len(name) > 1 and name[1].islower():
        name = name[0].lower() + name[1:]
    return name


def _commodities(value: str, lang: str) -> str:
    """A comma-separated list of commodity ids as names."""
    return ", ".join(_commodity(v.strip(), lang) for v in value.split(","))


@cache
def _measure_names() -> dict[str, dict[str, str]]:
    from critmin.catalog.tables import read_table

    return {r["name_en"].lower(): {"en": r["name_en"].lower(), "ja": r["name_ja"]}
            for r in read_table("policy_measures")}


def _lever(value: str, lang: str) -> str:
    entry = _measure_names().get(value)
    return entry[lang] if entry else value


@cache
def _country_names_ja() -> dict[str, str]:
    from critmin.catalog.countries import country_table

    t = country_table()
    return dict(zip(t["iso3"], t["name_ja"], strict=True))


def _place(value: str, lang: str) -> str:
    """A country's ISO3 code as its Japanese name in Japanese prose (codes stay in
    English, where they read as codes; a group id stays as it is)."""
    return _country_names_ja().get(value, value) if lang == "ja" else value


#: Fields whose values are themselves translated; other fields are carried over as is.
_FIELD_TRANSLATORS: dict[str, Callable[[str, str], str]] = {
    "stage_label": _from_map(STAGE_LABELS),
    "stage": _from_map(STAGE_NAMES),
    "commodity": _commodity,
    "others": _commodities,
    "lever": _lever,
    "importer": _place,
    "exporter": _place,
    "country": _place,
}


def translate(text: str, lang: str) -> str:
    """``text`` (an English reason) rendered for a reader in ``lang``: the template it
    was made from, in ``lang``, with the same fields (stage labels, stage and commodity
    names translated; in English too, commodity ids become names). A text that is no
    reason of the vocabulary comes back unchanged."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    if not text:
        return text
    hit = _match(text)
    if hit is None:
        return text
    return _render(hit[0], lang, hit[1])


def _render(t: _Template, lang: str, fields: dict[str, str]) -> str:
    """Template ``t`` in ``lang`` with ``fields`` (their English text), the stage labels,
    stage and commodity names among them translated."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    values = {k: _FIELD_TRANSLATORS.get(k, lambda v, _lang: v)(v, lang)
              for k, v in fields.items()}
    return getattr(t, lang).format(**values)


def reason_array(code: str, **fields: object) -> np.ndarray:
    """:func:`reason` for whole arrays: each field a scalar or an array (all arrays of
    one length); returns an object array of English texts, built by concatenating the
    template's literal parts and the fields' text (one pass per part, no Python loop
    over rows)."""
    t = _template(code)
    if fields.keys() != t.field_set:
        raise ValueError(f"reason {code!r} takes fields {', '.join(t.fields)}")
    sizes = {len(v) for v in fields.values() if isinstance(v, (np.ndarray, list, tuple))}
    if len(sizes) > 1:
        raise ValueError(f"reason {code!r}: field arrays of different lengths {sizes}")
    n = sizes.pop() if sizes else 1
    out = np.full(n, "", dtype=object)
    for text, name, _spec, _conv in string.Formatter().parse(t.en):
        out = out + text
        if name is not None:
            value = fields[name]
            if isinstance(value, (np.ndarray, list, tuple)):
                arr = np.asarray(value)
                out = out + (arr if arr.dtype == object else arr.astype(str).astype(object))
            else:
                out = out + str(value)
    return out
