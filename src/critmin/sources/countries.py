"""Harmonise each source's country codes and names to ISO 3166-1 alpha-3.

pycountry (ISO 3166-1 and ISO 3166-3 for historic codes) does the mapping; each source
has a small alias file ``aliases/<source>.csv`` for its own spellings and codes, with
columns ``code, iso3, status, note``:

- ``alias``: the source's own spelling or code for a country (``Congo, D.R.`` → COD);
- ``historic``: a former country with an ISO 3166-3 or reserved code (USSR → SUN);
- ``aggregate``: a total or remainder row (``Total``, ``World``) — never a country;
- ``unallocated``: a reporting area that is not one country (``Europe EFTA, nes``).

Anything else that pycountry cannot place is ``unmapped`` and reported, never dropped
silently.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import pandas as pd

STATUSES = ("iso", "alias", "historic", "aggregate", "unallocated", "unmapped")
#: statuses of codes that name one country
MAPPED = ("iso", "alias", "historic")
#: extra codes used by sources and not in pycountry (user-assigned in ISO 3166)
EXTRA_ISO3 = {"XKX": "Kosovo"}


@cache
def alias_table(source: str) -> dict[str, tuple[str, str, str]]:
    """The alias file of ``source`` as {code: (iso3, status, note)}."""
    text = resources.files("critmin.sources").joinpath("aliases", f"{source}.csv").read_text(
        encoding="utf-8"
    )
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {r["code"]: (r["iso3"], r["status"], r["note"]) for r in rows}


def _lookup(key: str, by_name: bool) -> tuple[str, str]:
    import pycountry

    key = key.strip()
    if not key:
        return "", "unmapped"
    if key.isdigit():
        hit = (pycountry.countries.get(numeric=key.zfill(3))
               or pycountry.historic_countries.get(numeric=key.zfill(3)))
        if hit is None:
            return "", "unmapped"
        return hit.alpha_3, ("historic" if hit in pycountry.historic_countries else "iso")
    if key.upper() in EXTRA_ISO3:
        return key.upper(), "iso"
    try:
        if by_name:
            return pycountry.countries.lookup(key).alpha_3, "iso"
        hit = pycountry.countries.get(alpha_3=key.upper())
        if hit is not None:
            return hit.alpha_3, "iso"
    except LookupError:
        pass
    hist = pycountry.historic_countries.get(alpha_3=key.upper()) if len(key) == 3 else None
    if hist is not None:
        return hist.alpha_3, "historic"
    return "", "unmapped"


def harmonise(keys: pd.Series, source: str, by_name: bool, candidates: pd.Series | None = None
              ) -> pd.DataFrame:
    """Map the unique ``keys`` of ``source`` to ISO3.

    ``keys`` are names (``by_name=True``) or codes (alpha-3, or ISO numeric when all
    digits). ``candidates``, aligned with
    ``keys``, are the source's own ISO3 guesses (BACI ships one per numeric code); they
    are checked against ISO 3166 and used when no alias applies.
    Returns a frame ``code, iso3, status, note`` with one row per unique key;
    ``iso3`` is empty where the status is aggregate, unallocated or unmapped.
    """
    aliases = alias_table(source)
    frame = pd.DataFrame({"code": keys.astype(str).str.strip()})
    frame["candidate"] = (candidates.astype(str).str.strip() if candidates is not None
                          else frame["code"])
    frame = frame.drop_duplicates("code")
    out = []
    for code, cand in zip(frame["code"], frame["candidate"], strict=True):
        if code in aliases:
            iso3, status, note = aliases[code]
        else:
            iso3, status = _lookup(cand, by_name and candidates is None)
            note = ""
        out.append((code, iso3, status, note))
    return pd.DataFrame(out, columns=["code", "iso3", "status", "note"])


def code_counts(data: pd.DataFrame) -> pd.DataFrame:
    """Rows per harmonised code in ``data`` (columns code, iso3, status, note → n_rows)."""
    return (data.groupby(["code", "iso3", "status", "note"], dropna=False).size()
            .rename("n_rows").reset_index())
