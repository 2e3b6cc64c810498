"""Unmet trip demand: cells, the recorder and its flush, desire lines with suppression, served."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.analysis import (
    CELL_M,
    MIN_SHOWN,
    DemandKey,
    DemandRecorder,
    cell_centre,
    cell_index,
    check_window,
    desire_lines,
    line_wkt,
    note_search,
    searches_served,
    shown_count,
    unmet_reason,
)
from geo.cities import CityInfo
from geo.errors import InvalidInputError
from tests.geo.coverage_city import SRID, CoverageCity, insert_coverage_city, lonlat, utm_line

pytestmark = pytest.mark.postgis
DAY = date(2026, 11, 20)
# two cells of the sample city, 4 km apart along y = 9 311 250 (cell centres)
A = (670_250.0, 9_311_250.0)
B = (674_250.0, 9_311_250.0)
C = (677_250.0, 9_311_250.0)


@pytest.fixture
def sample(db: Session) -> CoverageCity:
    return insert_coverage_city(db, "permintaan")


def key(city: CityInfo, a: tuple[float, float], b: tuple[float, float], reason: str) -> DemandKey:
    return DemandKey(
        city.id, DAY, cell_index(SRID, *lonlat(*a)), cell_index(SRID, *lonlat(*b)), reason
    )


def rows(db: Session, city: CityInfo) -> list[tuple[object, ...]]:
    return [
        tuple(r)
        for r in db.execute(
            text(
                "SELECT day, origin_cell, destination_cell, reason, n FROM trip_demand"
                " WHERE city_id = :c ORDER BY origin_cell, destination_cell, reason"
            ),
            {"c": city.id},
        )
    ]


def test_cells_are_500_m_squares_of_the_utm_zone() -> None:
    cell = cell_index(SRID, *lonlat(670_499.0, 9_311_001.0))
    assert cell == 1340 * 100_000 + 18622
    assert cell_index(SRID, *lonlat(670_001.0, 9_311_499.0)) == cell
    assert cell_index(SRID, *lonlat(670_501.0, 9_311_001.0)) != cell
    centre = cell_centre(SRID, cell)
    assert centre == pytest.approx(lonlat(670_250.0, 9_311_250.0), abs=2e-6)
    assert cell_index(SRID, *centre) == cell
    assert CELL_M == 500


def test_what_counts_as_unmet() -> None:
    assert unmet_reason({"itineraries": []}) == "no_itinerary"
    walks = [{"walk_distance_m": 1400.0}, {"walk_distance_m": 1100.0}]
    assert unmet_reason({"itineraries": walks}) == "long_walk"
    assert unmet_reason({"itineraries": [*walks, {"walk_distance_m": 300.0}]}) is None
    assert unmet_reason({"itineraries": [{"walk_distance_m": 1000.0}]}) is None


def test_flush_writes_and_adds_up(db: Session, sample: CoverageCity) -> None:
    recorder = DemandRecorder()
    k = key(sample.city, A, B, "no_itinerary")
    for _ in range(3):
        recorder.add(k)
    recorder.add(key(sample.city, A, B, "long_walk"))
    assert recorder.due()
    assert recorder.flush(db)
    assert recorder.pending() == {}
    assert not recorder.due()
    recorder.add(k, 2)
    assert recorder.flush(db)
    assert rows(db, sample.city) == [
        (DAY, k.origin_cell, k.destination_cell, "long_walk", 1),
        (DAY, k.origin_cell, k.destination_cell, "no_itinerary", 5),
    ]


def test_only_cells_and_the_day_are_stored(db: Session) -> None:
    columns = db.execute(
        text(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = 'trip_demand' ORDER BY ordinal_position"
        )
    ).all()
    assert [tuple(c) for c in columns] == [
        ("city_id", "integer"),
        ("day", "date"),
        ("origin_cell", "integer"),
        ("destination_cell", "integer"),
        ("reason", "character varying"),
        ("n", "integer"),
    ]


def test_a_failed_flush_keeps_the_counts_and_never_raises(
    db: Session, sample: CoverageCity
) -> None:
    recorder = DemandRecorder()
    k = key(sample.city, A, B, "no_itinerary")
    recorder.add(k)
    db.execute(text("ALTER TABLE trip_demand RENAME TO trip_demand_away"))  # rolled back later
    assert recorder.flush(db) is False
    assert recorder.pending() == {k: 1}
    assert recorder.failures == 1
    # the session is still usable: the failure was rolled back to its savepoint
    assert db.execute(text("SELECT 1")).scalar_one() == 1
    db.execute(text("ALTER TABLE trip_demand_away RENAME TO trip_demand"))
    assert recorder.flush(db) is True
    assert [r[-1] for r in rows(db, sample.city)] == [1]


def test_note_search_counts_unmet_searches_only(db: Session, sample: CoverageCity) -> None:
    recorder = DemandRecorder()
    start, end = lonlat(*A), lonlat(*B)
    served = {"itineraries": [{"walk_distance_m": 200.0}]}
    assert (
        note_search(recorder, db, sample.city, origin=start, destination=end, result=served) is None
    )
    unmet = {"itineraries": []}
    got = note_search(recorder, db, sample.city, origin=start, destination=end, result=unmet)
    assert got == "no_itinerary"
    stored = rows(db, sample.city)
    assert len(stored) == 1
    assert stored[0][1:] == (cell_index(SRID, *start), cell_index(SRID, *end), "no_itinerary", 1)
    # an answer without itineraries counts; a broken one is neither counted nor raised
    assert note_search(recorder, db, sample.city, origin=start, destination=end, result={}) == (
        "no_itinerary"
    )
    bad = {"itineraries": [{"walk_distance_m": "far"}]}
    assert note_search(recorder, db, sample.city, origin=start, destination=end, result=bad) is None


def test_a_full_recorder_drops_new_keys(sample: CoverageCity) -> None:
    recorder = DemandRecorder(max_keys=1)
    first, second = key(sample.city, A, B, "long_walk"), key(sample.city, B, A, "long_walk")
    recorder.add(first)
    recorder.add(second)
    recorder.add(first)
    assert recorder.pending() == {first: 2}
    assert recorder.dropped == 1


def test_desire_lines_hide_pairs_under_five(db: Session, sample: CoverageCity) -> None:
    recorder = DemandRecorder()
    recorder.add(key(sample.city, A, B, "no_itinerary"), 3)
    recorder.add(key(sample.city, A, B, "long_walk"), 1)
    recorder.add(key(sample.city, B, C, "no_itinerary"), 4)
    recorder.flush(db)
    window = (DAY - timedelta(days=3), DAY)
    assert desire_lines(db, sample.city, *window)["features"] == []  # 4 and 4: both hidden
    recorder.add(key(sample.city, A, B, "long_walk"), 1)
    recorder.flush(db)
    body = desire_lines(db, sample.city, *window)
    assert body["min_searches"] == MIN_SHOWN
    [line] = body["features"]
    # 3 and 2: both reasons under five, neither is shown (null: "<5" on the map)
    assert line["properties"] == {"searches": 5, "no_itinerary": None, "long_walk": None}
    a, b = line["geometry"]["coordinates"]
    assert a == pytest.approx(list(lonlat(*A)), abs=2e-6)  # cell centres, never the points
    assert b == pytest.approx(list(lonlat(*B)), abs=2e-6)
    # another week does not see them (DAY is a Friday: its week ends on Sunday DAY + 2)
    assert (
        desire_lines(
            db, sample.city, *check_window(DAY + timedelta(days=3), DAY + timedelta(days=9))
        )["features"]
        == []
    )
    # a day of the same week does: windows are whole weeks
    assert (
        desire_lines(
            db, sample.city, *check_window(DAY + timedelta(days=1), DAY + timedelta(days=1))
        )["features"]
        == body["features"]
    )


def test_one_small_reason_hides_both_so_subtraction_gives_nothing(
    db: Session, sample: CoverageCity
) -> None:
    recorder = DemandRecorder()
    recorder.add(key(sample.city, A, B, "no_itinerary"), 7)
    recorder.add(key(sample.city, A, B, "long_walk"), 1)  # 8 - 7 would tell it
    recorder.add(key(sample.city, B, C, "no_itinerary"), 6)  # 0 long walks: nothing to hide
    recorder.add(key(sample.city, A, C, "no_itinerary"), 5)
    recorder.add(key(sample.city, A, C, "long_walk"), 5)
    recorder.flush(db)
    lines = desire_lines(db, sample.city, DAY, DAY)["features"]
    assert [f["properties"] for f in lines] == [
        {"searches": 10, "no_itinerary": 5, "long_walk": 5},
        {"searches": 8, "no_itinerary": None, "long_walk": None},
        {"searches": 6, "no_itinerary": 6, "long_walk": 0},
    ]
    # no number of the answer is 1..4
    numbers = [v for f in lines for v in f["properties"].values() if v is not None]
    assert not [n for n in numbers if 0 < n < MIN_SHOWN]


def test_counts_under_five_are_never_answered() -> None:
    assert [shown_count(n) for n in range(7)] == [0, None, None, None, None, 5, 6]


def test_served_counts_the_pairs_shown_along_the_line(db: Session, sample: CoverageCity) -> None:
    recorder = DemandRecorder()
    recorder.add(key(sample.city, A, B, "no_itinerary"), 6)
    recorder.add(key(sample.city, B, C, "no_itinerary"), 4)  # not shown: not counted either
    recorder.add(key(sample.city, A, C, "long_walk"), 7)
    recorder.flush(db)
    city = sample.city
    along = line_wkt(utm_line((669_800, 9_311_400), (674_700, 9_311_400)), city)
    assert searches_served(db, city, along, DAY, DAY) == (6, 1)
    # along B -> C only: its 4 searches are not shown, so not counted (0, never 4)
    short = line_wkt(utm_line((672_200, 9_311_400), (677_700, 9_311_400)), city)
    assert searches_served(db, city, short, DAY, DAY) == (0, 0)
    longer = line_wkt(utm_line((669_800, 9_311_400), (677_700, 9_311_400)), city)
    assert searches_served(db, city, longer, DAY, DAY) == (13, 2)
    # 600 m north of the cell centres: out of reach
    away = line_wkt(utm_line((669_800, 9_311_850), (677_700, 9_311_850)), city)
    assert searches_served(db, city, away, DAY, DAY) == (0, 0)
    next_week = check_window(DAY + timedelta(days=3), DAY + timedelta(days=3))
    assert searches_served(db, city, longer, *next_week) == (0, 0)


def test_windows_are_checked_and_grown_to_whole_weeks() -> None:
    # Thursday 1 January .. Saturday 31 January 2026 -> Monday 29 December .. Sunday 1 February
    assert check_window(date(2026, 1, 1), date(2026, 1, 31)) == (
        date(2025, 12, 29),
        date(2026, 2, 1),
    )
    start, end = check_window(None, date(2026, 3, 29))  # a Sunday: the 30 days end there
    assert (start.weekday(), end.weekday()) == (0, 6)
    assert end == date(2026, 3, 29)
    assert start == date(2026, 2, 23)  # Saturday 28 February grows back to Monday 23
    with pytest.raises(InvalidInputError, match="after"):
        check_window(date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(InvalidInputError, match="366 days"):
        check_window(date(2025, 1, 1), date(2026, 1, 2))
    assert check_window(date(2025, 1, 2), date(2026, 1, 2))[0] == date(2024, 12, 30)


def test_subtracting_two_windows_never_gives_a_small_count(
    db: Session, sample: CoverageCity
) -> None:
    """Days 1-30 minus days 2-30 was the leak: 3 searches on a Monday, 6 later that week and 6
    the week after. Both windows grow to the same whole weeks, so they answer the same; the
    week with 3 + 6 = 9 counts whole, and a lone small week never counts."""
    monday = DAY - timedelta(days=DAY.weekday())
    recorder = DemandRecorder()
    ab = key(sample.city, A, B, "no_itinerary")
    recorder.add(DemandKey(ab.city_id, monday, ab.origin_cell, ab.destination_cell, ab.reason), 3)
    recorder.add(ab, 6)  # the Friday of that week
    later = monday + timedelta(days=7)
    recorder.add(DemandKey(ab.city_id, later, ab.origin_cell, ab.destination_cell, ab.reason), 6)
    lone = monday + timedelta(days=14)  # a third week with 2 searches only
    recorder.add(DemandKey(ab.city_id, lone, ab.origin_cell, ab.destination_cell, ab.reason), 2)
    recorder.flush(db)
    answers = [
        desire_lines(db, sample.city, *check_window(monday + timedelta(days=skip), lone))
        for skip in (0, 1)
    ]
    assert answers[0] == answers[1]
    [line] = answers[0]["features"]
    assert line["properties"] == {"searches": 15, "no_itinerary": 15, "long_walk": 0}
    [alone] = desire_lines(db, sample.city, *check_window(later, later))["features"]
    assert alone["properties"]["searches"] == 6
    assert desire_lines(db, sample.city, *check_window(lone, lone))["features"] == []
