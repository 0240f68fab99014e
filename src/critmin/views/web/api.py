"""The JSON API under ``/api``: one endpoint per command of the request layer."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api")
