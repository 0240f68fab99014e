"""Unit harmonisation: every mass is stored in metric tonnes (``t``).

Units that are not masses (carats, million cubic metres of gas) are kept as published
and named in the ``unit`` column; nothing is converted silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: published unit spelling → (stored unit, factor to multiply by)
UNIT_MAP: dict[str, tuple[str, float]] = {
    "t": ("t", 1.0),
    "metr. t": ("t", 1.0),
    "metric tons": ("t", 1.0),
    "kg": ("t", 1e-3),
    "kilograms": ("t", 1e-3),
    "thousand metric tons": ("t", 1e3),
    "thousand metric dry tons": ("t", 1e3),
    "million metric tons": ("t", 1e6),
    "ct": ("ct", 1.0),
    "thousand carats": ("ct", 1e3),
    "million carats": ("ct", 1e6),
    "Mio m3": ("Mio m3", 1.0),
    "million cubic meters": ("Mio m3", 1.0),
}


def harmonise_units(values: pd.Series, units: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Convert ``values`` given in ``units`` to stored units; return (values, units).

    Raises ``ValueError`` naming any unit not in :data:`UNIT_MAP` (never guesses).
    """
    unknown = sorted(set(units.dropna().unique()) - UNIT_MAP.keys())
    if unknown:
        raise ValueError(f"unknown units {unknown}; known: {sorted(UNIT_MAP)}")
    target = units.map(lambda u: UNIT_MAP[u][0])
    factor = units.map(lambda u: UNIT_MAP[u][1]).astype(float)
    return values.astype(float) * factor.to_numpy(np.float64), target
