from __future__ import annotations

import pytest

from riskdesk.dossier.sandbox.draw import Draw


@pytest.mark.parametrize("parts", [1, 2, 4, 9])
def test_split_gives_positive_parts_that_add_up(parts: int) -> None:
    draw = Draw(1)
    for _ in range(2000):
        shares = draw.split(parts, total=40)
        assert len(shares) == parts and sum(shares) == 40 and min(shares) > 0


def test_same_seed_same_draws() -> None:
    assert [Draw(5).poisson(3.0) for _ in range(3)] == [Draw(5).poisson(3.0) for _ in range(3)]
