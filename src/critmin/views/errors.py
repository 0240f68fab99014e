"""User errors in the user's language, rendered by key from the error's fields with the
strings of ``views/data/strings_errors.csv``: an unknown name (mineral, country, year …:
:class:`~critmin.errors.UnknownNameError`), an unknown library id or file
(:class:`~critmin.errors.UnknownSpecError`, :class:`~critmin.errors.MissingFileError`), a
number it cannot take (:class:`~critmin.errors.NumberError`), options that need each
other (:class:`~critmin.errors.RequestError`), the problems of a user's file
(:class:`~critmin.errors.FileProblemsError`) or a scenario file
(:class:`~critmin.errors.ParameterError`) and an invalid request (by pydantic's error
type). Any other error keeps its (English) message."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from critmin.errors import (
    MAX_PROBLEMS_SHOWN,
    FileProblemsError,
    FormatError,
    MissingFileError,
    NumberError,
    ParameterError,
    RequestError,
    UnknownNameError,
    UnknownSpecError,
    shown_number,
)
from critmin.views.i18n import has_text, join_words, label, text

if TYPE_CHECKING:
    from critmin.errors import FileProblem


def _key(prefix: str, words: str) -> str:
    return prefix + re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")


def _known(prefix: str, words: str, lang: str) -> str:
    """The string of ``words`` (a kind or a year basis) in ``lang``; the words themselves
    when the table has none."""
    key = _key(prefix, words)
    return text(key, lang) if has_text(key) else words


def _hint(exc: UnknownNameError, lang: str) -> str:
    if exc.several:
        return text("err_several", lang).format(names=join_words(exc.several, lang))
    if exc.basis == "forms":
        from critmin.service.common import YEAR_BOUNDS

        return text("err_year_forms", lang).format(lo=YEAR_BOUNDS[0], hi=YEAR_BOUNDS[1])
    if exc.basis == "none":
        return text("err_year_none", lang)
    if exc.span is not None:
        return text("err_valid_span", lang).format(
            first=exc.span[0], last=exc.span[1],
            basis=_known("err_basis_", exc.basis or "", lang))
    if exc.valid:
        return text("err_valid", lang).format(valid=exc.valid)
    if exc.suggestions:
        return text("err_closest", lang).format(choices=join_words(exc.suggestions, lang))
    if exc.complete:
        return text("err_choices", lang).format(choices=join_words(exc.examples, lang))
    listing = {"mineral": "critmin commodities", "commodity": "critmin commodities",
               "country": "critmin countries", "country group": "critmin countries"}
    return text("err_examples", lang).format(
        choices=join_words(exc.examples, lang), listing=listing.get(exc.kind, "--list"))


def _header(field: str, lang: str) -> str:
    """A field's header in ``lang`` (``columns.csv``); the field itself when it has none
    (a message never fails for want of a label)."""
    from critmin.views.tables import header

    try:
        return header(field, lang)
    except KeyError:
        return field


def _option(name: str, lang: str) -> str:
    """An option or field by its header in ``lang``, with the name as typed (a name
    without a header alone, a space after it: "--sobol は")."""
    field = name.lstrip("-").replace("-", "_")
    label = _header(field, lang)
    return f"{name} " if label in (name, field) else f"{label}（{name}）"


def error_message(exc: BaseException, lang: str) -> str:
    """The message of a user error for a reader in ``lang`` (English: the error's own)."""
    if lang == "en":
        return str(exc)
    if isinstance(exc, UnknownSpecError):
        key = "err_spec_file" if exc.file else "err_spec"
        return text(key, lang).format(kind=_known("err_kind_", exc.kind, lang),
                                      name=exc.name, choices=join_words(exc.suggestions, lang))
    if isinstance(exc, UnknownNameError):
        return text("err_unknown", lang).format(kind=_known("err_kind_", exc.kind, lang),
                                                name=exc.name, hint=_hint(exc, lang))
    if isinstance(exc, MissingFileError):
        return text(f"err_{exc.reason}_file", lang).format(
            kind=_known("err_kind_", exc.kind, lang), path=exc.path)
    if isinstance(exc, FormatError):
        return text("err_format", lang).format(option=exc.option, given=exc.given,
                                               form=exc.form, example=exc.example)
    if isinstance(exc, NumberError):
        return text(f"err_number_{exc.rule}", lang).format(
            name=_option(exc.name, lang), low=shown_number(exc.low),
            high=shown_number(exc.high), got=shown_number(exc.got))
    if isinstance(exc, FileProblemsError):
        return _file_problems(exc, lang)
    if isinstance(exc, RequestError):
        return text(f"err_request_{exc.code}", lang).format(**exc.values)
    if isinstance(exc, ParameterError):
        return text("err_param_at", lang).format(label=exc.label, line=exc.line,
                                                 said=_parameter_text(exc, lang))
    return str(exc)


def _parameter_text(exc: ParameterError, lang: str) -> str:
    """What is wrong in a parameter file, in ``lang`` (without where)."""
    if exc.cause is not None:
        return error_message(exc.cause, lang)
    values = dict(exc.values)
    if "what" in values:   # the part of the file: scenario, shock, resourcing
        values["what"] = _known("err_kind_", str(values["what"]), lang)
    return text(f"err_param_{exc.code}", lang).format(**values)


def _file_problems(exc: FileProblemsError, lang: str) -> str:
    """A user's file that cannot be imported, in ``lang``: the count, then each problem
    by row and column header."""
    lines = [text("err_problems", lang).format(source=exc.source, n=len(exc.problems))]
    for row, column, said in problem_rows(exc, lang, MAX_PROBLEMS_SHOWN):
        where = text("err_problem_row", lang).format(row=row) if row is not None else ""
        lines.append(f"  {where}{column}：{said}")
    more = len(exc.problems) - MAX_PROBLEMS_SHOWN
    if more > 0:
        lines.append("  " + text("err_problems_more", lang).format(n=more))
    return "\n".join(lines)


def problem_rows(exc: FileProblemsError, lang: str, limit: int | None = None
                 ) -> list[tuple[int | None, str, str]]:
    """The first ``limit`` (None: all) problems of a user's file as (row, column, what is
    wrong) in ``lang``: the column by the file's own header where it has one, else by
    its header in ``lang``."""
    return [(p.row, exc.headers.get(p.column) or _header(p.column, lang),
             problem_text(p, lang)) for p in exc.problems[:limit]]


def problem_text(problem: FileProblem, lang: str) -> str:
    """What is wrong in one problem of a user's file, in ``lang``: by its code
    (``err_problem_<code>``), or for a name that does not resolve, the resolver's error
    in ``lang``."""
    if lang == "en":
        return problem.message
    if problem.cause is not None:
        return error_message(problem.cause, lang)
    values = dict(problem.values)
    if "commodity" in values:   # a resolved commodity id, named in the reader's language
        try:
            values["commodity"] = label("commodity", values["commodity"], lang)
        except KeyError:
            pass
    return text(f"err_problem_{problem.code}", lang).format(**values)


def validation_text(errors: list[dict], lang: str) -> str:
    """An invalid request in ``lang``: each field (its header) and what it needs, by the
    pydantic error's type (``err_pyd_<type>``; its English message when the table has
    no string for the type)."""
    if lang == "en":
        parts = [f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}"
                 for e in errors]
        return text("err_invalid", lang) + "; ".join(parts)
    parts = []
    for e in errors:
        field = ".".join(str(p) for p in e["loc"])
        key = f"err_pyd_{e['type']}"
        need = (text(key, lang).format(**(e.get("ctx") or {})) if has_text(key)
                else e["msg"])
        name = _header(str(e["loc"][-1]), lang) if field else ""
        parts.append(f"{name}{'（' + field + '）' if field and name != field else ''}："
                     f"{need}")
    return text("err_invalid", lang) + "；".join(parts)


def error_prefix(lang: str) -> str:
    """``error:`` in ``lang``."""
    return text("err_prefix", lang)
