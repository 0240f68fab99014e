"""The demand requests refuse what the sensitivity cannot draw from."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from critmin.service.demand import DemandSensitivityRequest


@pytest.mark.parametrize("fields", [{"seed": -1}, {"spread": 0.0}, {"spread": 1e-181},
                                    {"spread": 1.0}])
def test_sensitivity_refuses_a_negative_seed_and_a_degenerate_spread(fields):
    with pytest.raises(ValidationError):
        DemandSensitivityRequest(**fields)
    assert DemandSensitivityRequest(seed=0, spread=0.5).spread == 0.5
