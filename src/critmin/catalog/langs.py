"""The interface languages: every command, page and response takes one of :data:`LANGS`.

A module of its own, light to import, so the command line can read its language and
show ``--help`` without loading the request layer."""

from __future__ import annotations

from critmin.errors import UnknownNameError

LANGS = ("ja", "en")


def check_lang(lang: str) -> str:
    """``lang`` if supported, else an error naming the choices."""
    if lang not in LANGS:
        raise UnknownNameError("language", lang, list(LANGS))
    return lang
