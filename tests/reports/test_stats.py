"""Median and percentiles against hand-computed values (the PERCENTILE.INC definition)."""
import pytest

from kupang.reports.stats import median, percentile, share_percent


def test_median_of_odd_and_even_counts():
    assert median([7, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5  # (2 + 3) / 2
    assert median([5]) == 5
    assert median([]) is None


def test_percentile_interpolates_between_ranks():
    values = list(range(1, 11))  # 1..10
    # position (10 - 1) * 0.9 = 8.1: 9 + 0.1 * (10 - 9)
    assert percentile(values, 0.9) == pytest.approx(9.1)
    assert percentile([10, 20], 0.9) == pytest.approx(19.0)
    assert percentile([3, 1, 2], 1.0) == 3 and percentile([3, 1, 2], 0.0) == 1
    with pytest.raises(ValueError):
        percentile([1], 1.5)


def test_share_percent():
    assert share_percent(1, 4) == 25.0
    assert share_percent(1, 0) is None
