"""The statistics of repeated benchmark runs (bench/stats.py): spread, paired ratios, load."""

import pytest

from bench.stats import LOADED_PER_CORE, Load, Spread, percentile, ratio_spread, spread


def test_spread_is_median_and_extremes_of_measured_repeats():
    s = spread([12.0, None, 10.0, 30.0, 11.0])
    assert s == Spread(median=11.5, low=10.0, high=30.0, n=4)
    assert s.text() == "11.5 (10.0–30.0)"


def test_spread_of_nothing_measured_is_none():
    assert spread([None, None]) is None
    assert spread([]) is None


def test_one_repeat_shows_the_value_alone():
    assert spread([250.0]).text(suffix=" ms") == "250 ms"


def test_ratio_spread_pairs_repeat_i_with_repeat_i():
    # paired: 10/10, 40/20, 20/5 (unpaired, min/max would give 10/20 to 40/5)
    s = ratio_spread([10.0, 40.0, 20.0], [10.0, 20.0, 5.0])
    assert (s.median, s.low, s.high) == (2.0, 1.0, 4.0)
    assert s.text(2, "x") == "2.00x (1.00–4.00x)"


def test_ratio_spread_leaves_out_missing_and_zero_denominators():
    s = ratio_spread([10.0, None, 9.0, 8.0], [5.0, 5.0, 0.0, 4.0])
    assert (s.median, s.n) == (2.0, 2)
    assert ratio_spread([1.0], [None]) is None


def test_percentile_inclusive():
    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_load_says_when_a_run_was_loaded():
    quiet = Load(start=0.5, end=2.9, cores=2)
    assert not quiet.loaded
    assert "LOADED" not in quiet.text()
    busy = Load(start=0.5, end=2 * LOADED_PER_CORE + 0.1, cores=2)
    assert busy.loaded
    assert "LOADED" in busy.text()
    assert "2 cores" in busy.text()
