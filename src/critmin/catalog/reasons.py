"""One vocabulary of missing-data reasons for every command (catalog ``missing_reasons``).

Each reason is a code with an English and a Japanese ``str.format`` template
(``catalog/data/missing_reasons.csv``). Methods and analyses write
``reason(code, **fields)``; views render a written text in another language with
``translate``, which finds the template the text was made from (each template is compiled
to a regular expression, so no pattern is written by hand) and fills the Japanese
template with the same fields. ``code_of`` gives the code of a text, so tests and views
can compare reasons without comparing wording.
"""

from __future__ import annotations

import csv
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

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
class _Template:
    code: str
    en: str
    ja: str
    fields: tuple[str, ...]
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
        out[code] = _Template(code, row["en"], row["ja"], fields, pattern, literal)
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


def reason(code: str, **fields: object) -> str:
    """The English reason ``code`` with ``fields`` filled in; an unknown code, a missing
    field or an unexpected one raises :class:`ValueError`."""
    t = _template(code)
    absent = [f for f in t.fields if f not in fields]
    extra = [f for f in fields if f not in t.fields]
    if absent or extra:
        raise ValueError(f"reason {code!r} takes fields {', '.join(t.fields)}; "
                         f"missing {absent}, unexpected {extra}")
    return t.en.format(**{k: str(v) for k, v in fields.items()})


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
    entry = _commodity_names().get(value)
    return entry[lang] if entry else value


#: Fields whose values are themselves translated; other fields are carried over as is.
_FIELD_TRANSLATORS: dict[str, Callable[[str, str], str]] = {
    "stage_label": _from_map(STAGE_LABELS),
    "stage": _from_map(STAGE_NAMES),
    "commodity": _commodity,
}


def translate(text: str, lang: str) -> str:
    """``text`` (an English reason) rendered in ``lang``: the template it was made from,
    in ``lang``, with the same fields (stage labels, stage and commodity names
    translated). A text that is no reason of the vocabulary comes back unchanged."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    if lang == "en" or not text:
        return text
    hit = _match(text)
    if hit is None:
        return text
    t, fields = hit
    values = {k: _FIELD_TRANSLATORS.get(k, lambda v, _lang: v)(v, lang)
              for k, v in fields.items()}
    return getattr(t, lang).format(**values)
