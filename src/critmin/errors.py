"""Exceptions shared by every layer.

Each error carries a message a user can act on; the CLI turns :class:`CritminError`
into a one-line message and exit status 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, NamedTuple


class CritminError(Exception):
    """A user-facing error: bad input, missing data file, corrupt bundle."""


class UnknownNameError(CritminError, LookupError):
    """A mineral, country, group or year that critmin does not know.

    The message lists the closest valid choices so the user can correct the input.
    """

    def __init__(self, kind: str, name: str, choices: Iterable[str], n: int = 5,
                 valid: str | None = None, span: tuple[int, int] | None = None,
                 basis: str | None = None, several: list[str] | None = None) -> None:
        seen: dict[str, str] = {}
        for c in choices:
            seen.setdefault(str(c).casefold(), str(c))
        choices = list(seen.values())
        close = difflib.get_close_matches(str(name), choices, n=n, cutoff=0.5)
        if not close:
            low = str(name).lower()
            close = [c for c in choices if low and (low in c.lower() or c.lower() in low)][:n]
        self.kind, self.name = kind, name
        self.suggestions = list(choices) if span is not None else close  # every valid year
        self.examples = [] if close else choices[:n]
        self.valid, self.span, self.basis = valid, span, basis
        """``span``/``basis``: for a year, the valid range and the key of what the years
        have (:mod:`critmin.views.errors` renders them in the user's language)."""
        self.complete = not close and len(choices) <= n
        """Whether :attr:`examples` is every valid choice (a short list)."""
        self.several = several
        """The valid names ``name`` lists (``'JPN,AUS'``) when it is several in one. They
        are named, not taken: an option may take only one (``shock --exporter``), and a
        name may hold a comma ("Korea, Rep.")."""
        hint = f"closest valid choices: {', '.join(close)}" if close else (
            f"valid choices: {', '.join(choices)}" if self.complete else
            f"valid choices include: {', '.join(choices[:n])}, ..."
        )
        if valid:
            hint = f"valid: {valid}"
        if several:
            hint = (f"it lists several ({', '.join(several)}): give one per value (repeat "
                    "the option where it takes several)")
        super().__init__(f"unknown {kind} {name!r}; {hint}")


class UnknownSpecError(UnknownNameError):
    """A parameter file or library id (``spec``) that is neither a file nor one of the
    shipped ids ``choices`` (a scenario, a demand scenario, a scrap stream, a project, an
    example BOM, an episode)."""

    def __init__(self, kind: str, spec: str, choices: Iterable[str], what: str,
                 listed: str = "library", file: bool = True, message: str | None = None
                 ) -> None:
        choices = list(choices)
        super().__init__(kind, spec, choices)
        self.suggestions, self.file = choices, file   # every shipped id
        either = f"neither a file nor {what}" if file else f"not {what}"
        Exception.__init__(self, message or f"{kind} {spec!r} is {either}; {listed}: "
                                            f"{', '.join(choices)}")


class FormatError(CritminError):
    """A value not written in the form an option takes (``form``, e.g.
    ``COUNTRY:TONNES_PER_YEAR``; ``example`` shows one)."""

    def __init__(self, option: str, given: str, form: str, example: str) -> None:
        self.option, self.given, self.form, self.example = option, given, form, example
        super().__init__(f"{option} {given!r}: write {form}, e.g. {example}")


class MissingFileError(CritminError):
    """A file named by the user that is not there or is not a file (``kind``: what it
    should hold; ``reason``: ``missing``, ``folder`` or ``special``, e.g. a device)."""

    def __init__(self, kind: str, path: object, hint: str = "",
                 reason: Literal["missing", "folder", "special"] = "missing") -> None:
        self.kind, self.path, self.hint, self.reason = kind, str(path), hint, reason
        what = {"missing": "not found", "folder": "is a folder, not a file",
                "special": "is not a regular file"}[reason]
        super().__init__(f"{kind} file {path} {what}{hint}")


def require_file(path: str | Path, kind: str, hint: str = "") -> Path:
    """``path`` when it is a regular file, else :class:`MissingFileError` saying what it
    is instead (not there, a folder, a device)."""
    p = Path(path)
    if p.is_file():
        return p
    reason = "folder" if p.is_dir() else "special" if p.exists() else "missing"
    raise MissingFileError(kind, p, hint, reason)


class NumberError(CritminError):
    """A number outside what an option takes: ``rule`` ``range`` (``low``–``high``),
    ``at_least`` (``low``), ``positive``, ``not_negative``, ``finite`` or
    ``power_of_two`` (or 0), or text that is no ``number`` / ``whole_number``;
    ``name`` is the option or field (``--cut``, ``kappa``). The fields let a view say it
    in the user's language."""

    def __init__(self, name: str, got: object = None, rule: str = "range",
                 low: object = None, high: object = None) -> None:
        self.name, self.got, self.rule, self.low, self.high = name, got, rule, low, high
        given = "" if got is None else f" (got {shown_number(got)})"
        if rule in ("number", "whole_number"):   # not a number at all
            kind = "a number" if rule == "number" else "a whole number"
            super().__init__(f"{name}: {got!r} is not {kind}")
            return
        need = {"range": f"must be within {shown_number(low)}–{shown_number(high)}",
                "at_least": f"must be at least {shown_number(low)}",
                "positive": "must be above 0",
                "power_of_two": "must be a power of two (e.g. 512, 1024) or 0",
                "not_negative": "must not be negative",
                "finite": "must be a finite number"}[rule]
        super().__init__(f"{name} {need}{given}")


def shown_number(value: object) -> str:
    """A number as the messages write it (a whole number from 10,000 thousands separated;
    years as they are)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}"
    return str(value)


MAX_PROBLEMS_SHOWN = 20
"""The problems of a file its error's message lists (all are kept in ``problems``)."""

PROBLEM_TEXT: dict[str, str] = {
    # the file
    "file_empty": "the file is empty",
    "file_too_big": "{size:,} bytes is over the limit of {limit:,} bytes: split the file",
    "file_type": "use a {suffixes} file",
    "file_unreadable": "cannot be read: {detail}",
    "file_too_long": "more than {limit:,} rows",
    "file_no_rows": "no data rows",
    # its header
    "columns_missing": "missing {missing}; required: {required}; optional: {optional} "
                       "(Japanese headers such as {japanese} are accepted)",
    "columns_same": "{first} and {second} both mean {column}: keep one",
    "columns_semicolon": "the columns are separated by semicolons, where numbers may have a "
                         "decimal comma: save the file as CSV with commas between columns "
                         "(Excel: 'CSV UTF-8') or as .xlsx",
    # a cell
    "empty": "empty",
    "unit": "{unit!r} is not one of {units}",
    "not_number": "{text!r} is not a number",
    "out_of_range": "{value:g} must be within {low:g}–{high:g}",
    "below": "{value:g} must be at least {low:g}",
    "year": "{text!r} is not a four-digit year",
    "period": "{text!r} is not a year or month (YYYY or YYYY-MM)",
    "date": "{text!r} is not a date (YYYY-MM-DD)",
    "stage": "{text!r} is not a stage; valid: {stages}",
    "hs6": "{text!r} is not an HS code (4 to 6 digits)",
    # across rows
    "share_sum": "shares of {commodity} in part {part!r} of {product!r} sum to {total:.3f}, "
                 "not 1",
}
"""The English words of each problem code, formatted with the problem's values (the
views hold the other languages' words under ``err_problem_<code>``). A name that does
not resolve has no code here (``name``): its words are those of the error behind it."""


class FileProblem(NamedTuple):
    """One problem of a user's file (a BOM, a table to import)."""

    row: int | None
    """The row as numbered in the file (header = 1); None for the file or its header."""
    column: str
    """``file``, ``columns`` or the column (by its canonical name)."""
    code: str
    """A key of :data:`PROBLEM_TEXT`, or ``name`` for a name that does not resolve."""
    values: dict[str, Any]
    """What the words are formatted with."""
    cause: CritminError | None = None
    """For ``name``: the error of the resolver (an unknown mineral or country)."""

    @property
    def message(self) -> str:
        """The problem in English."""
        if self.cause is not None:
            return str(self.cause)
        return PROBLEM_TEXT[self.code].format(**self.values)


class FileProblemsError(CritminError):
    """A user's file that cannot be imported: its ``problems``, every one, in file
    order; nothing of it was imported."""

    def __init__(self, source: str, problems: list[FileProblem],
                 choices: list[str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.source, self.problems = source, problems
        self.choices = list(choices or [])
        """The valid choices where the one problem is a choice (the file's type)."""
        self.headers = dict(headers or {})
        """Each column's header as the file writes it, where it differs from the column's
        name (``数量`` for ``quantity``): a view names the column so."""
        shown = "\n".join(f"  row {p.row}: {p.column}: {p.message}" if p.row is not None
                          else f"  {p.column}: {p.message}"
                          for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        super().__init__(f"{source}: {len(problems)} problem(s), nothing imported\n{shown}"
                         + (f"\n  … and {more} more" if more > 0 else ""))


REQUEST_TEXT: dict[str, str] = {
    "bom_or_list": "give the BOM: --bom FILE (.csv/.tsv/.txt/.xlsx) or --bom example:NAME "
                   "({examples}); --list shows the saved BOMs",
    "save_name": "--save: give the name to save the BOM under (e.g. motor2025)",
    "shock_either": "give either --scenario ID (see 'critmin scenario list') or --exporter X "
                    "--commodity C --cut 0–1",
    "shock_all_three": "a one-exporter shock needs all of --exporter, --commodity and --cut",
    "stage_with_scenario": "--stage and --target belong to a one-exporter shock (--exporter); "
                           "a scenario file sets its own",
    "levers_one_commodity": "levers on the command line need exactly one --commodity",
    "no_lever": "no lever given: use --mine, --smelter, --saving, --recycling or --levers "
                "FILE",
    "report_levers_one_importer": "a report with --levers needs one --importer",
    "explain_one_each": "--explain needs exactly one --importer, one --commodity and one "
                        "--year",
    "radar_one_importer": "--radar needs exactly one --importer",
    "table_needs_table": "'table' imports need --table ({tables})",
}
"""The English words of each :class:`RequestError` (the views hold the other languages'
words under ``err_request_<code>``)."""


class RequestError(CritminError):
    """A request a command cannot take as given: options that need each other or one
    value where several were given; worded by ``code`` (:data:`REQUEST_TEXT`) with
    ``values``, so that a view says it in the user's language."""

    def __init__(self, code: str, **values: object) -> None:
        self.code, self.values = code, values
        super().__init__(REQUEST_TEXT[code].format(**values))


PARAMETER_TEXT: dict[str, str] = {
    "yaml": "not valid YAML ({detail})",
    "scenario_mapping": "a scenario is a mapping with 'id', 'name' and 'shocks' (and "
                        "optional 'blocs', 'demand', 'resourcing')",
    "required": "'{key}' is required",
    "shock_mapping": "each shock is a mapping",
    "shock_needs": "a shock needs '{key}'",
    "cut_or_approval": "give either 'cut' or 'approval_rate'",
    "blocs": "'blocs' needs 'members' ({{bloc: [countries]}}) and 'cut'",
    "demand_change": "demand change for {name} must be a number in −1…1",
    "nothing": "a scenario needs at least one shock or a 'blocs' section",
    "integer": "'{key}' must be an integer",
    "positive": "'{key}' must be a positive number",
    "fraction": "'{key}' must be a number within 0–1 (got {got})",
    "texts": "'{key}' is a text or a list of texts",
    "caveats_ja": "'caveats_ja' needs one Japanese text per caveat ({en} in 'caveats', "
                  "{ja} in 'caveats_ja')",
    "resourcing": "'resourcing' is a mapping (redirect_share, spare_capacity and optional "
                  "redirect_share_range, spare_capacity_range)",
    "range": "'{key}_range' is [low, high] within 0–1 around {key}",
    "cut_range": "'cut_range' is [low, high] within 0–1 around the cut",
    "unknown_keys": "unknown {what} key(s) {keys}; valid: {valid}",
}
"""The English words of each :class:`ParameterError` (the views hold the other languages'
words under ``err_param_<code>``)."""


class ParameterError(CritminError):
    """A parameter file (a scenario) that cannot be read as one: the file (``label``),
    the ``line`` and what is wrong, by ``code`` (:data:`PARAMETER_TEXT`) with ``values``,
    or for a name that does not resolve, its own error (``cause``)."""

    def __init__(self, label: str, line: object, code: str,
                 cause: CritminError | None = None, **values: object) -> None:
        self.label, self.line, self.code, self.cause, self.values = (
            label, line, code, cause, values)
        said = str(cause) if cause is not None else PARAMETER_TEXT[code].format(**values)
        super().__init__(f"{label} line {line}: {said}")


class BundleError(CritminError):
    """The open-data bundle is missing, unreachable, corrupt or truncated."""


class StoreError(CritminError):
    """The store is missing or was built by an incompatible version."""
