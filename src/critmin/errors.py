"""Exceptions shared by every layer.

Each error carries a message a user can act on; the CLI turns :class:`CritminError`
into a one-line message and exit status 2.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class CritminError(Exception):
    """A user-facing error: bad input, missing data file, corrupt bundle."""


class UnknownNameError(CritminError, LookupError):
    """A mineral, country, group or year that critmin does not know.

    The message lists the closest valid choices so the user can correct the input.
    """

    def __init__(self, kind: str, name: str, choices: Iterable[str], n: int = 5,
                 valid: str | None = None, span: tuple[int, int] | None = None,
                 basis: str | None = None) -> None:
        seen: dict[str, str] = {}
        for c in choices:
            seen.setdefault(str(c).casefold(), str(c))
        choices = list(seen.values())
        close = difflib.get_close_matches(str(name), choices, n=n, cutoff=0.5)
        if not close:
            low = str(name).lower()
            close = [c for c in choices if low and (low in c.lower() or c.lower() in low)][:n]
        self.kind, self.name, self.suggestions = kind, name, close
        self.examples = [] if close else choices[:n]
        self.valid, self.span, self.basis = valid, span, basis
        """``span``/``basis``: for a year, the valid range and the key of what the years
        have (:mod:`critmin.views.errors` renders them in the user's language)."""
        hint = f"closest valid choices: {', '.join(close)}" if close else (
            f"valid choices include: {', '.join(choices[:n])}, ..."
        )
        if valid:
            hint = f"valid: {valid}"
        super().__init__(f"unknown {kind} {name!r}; {hint}")


class BundleError(CritminError):
    """The open-data bundle is missing, unreachable, corrupt or truncated."""


class StoreError(CritminError):
    """The store is missing or was built by an incompatible version."""
