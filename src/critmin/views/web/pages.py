"""The pages under ``/ja/…`` and ``/en/…``, each with its ``.json`` and ``.csv`` twin."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
