"""Keys ready for many cities (DESIGN §8): every city-scoped table, present or future, is keyed
by city. The rule and its one exemption (spatial indexes) are in tests/geo/city_keys.py."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cities import create_city
from tests.geo.city_keys import city_key_offenders, city_scoped_tables

pytestmark = pytest.mark.postgis

BBOX = (106.55, -6.26, 106.75, -6.09)
OTHER_BBOX = (107.50, -6.95, 107.70, -6.80)
# the tables of migrations 0001-0006; a new city-scoped table is checked without being listed
KNOWN = {
    "admin_area",
    "angkot_route",
    "layer_point_grid",
    "layer_point_grid_state",
    "layer_revision",
    "permit_parcel",
    "place",
    "place_word",
    "road_edge",
    "school",
}
# the tables that migration 0006 keyed by (city_id, id)
KEYED_BY_ID = ("admin_area", "angkot_route", "permit_parcel", "road_edge", "school", "place")


def test_every_city_scoped_table_is_keyed_by_city(db: Session) -> None:
    assert set(city_scoped_tables(db)) >= KNOWN
    offenders = city_key_offenders(db)
    assert offenders == [], "tables not keyed by city_id:\n" + "\n".join(offenders)


def test_primary_keys_are_city_then_id(db: Session) -> None:
    rows = db.execute(
        text(
            "SELECT tc.table_name::text,"
            "       array_agg(k.column_name::text ORDER BY k.ordinal_position)"
            " FROM information_schema.table_constraints tc"
            " JOIN information_schema.key_column_usage k"
            "   ON k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name"
            " WHERE tc.table_schema = 'public' AND tc.constraint_type = 'PRIMARY KEY'"
            "   AND tc.table_name = ANY(:tables) GROUP BY tc.table_name"
        ),
        {"tables": list(KEYED_BY_ID)},
    ).all()
    assert dict(rows) == {key: ["city_id", "id"] for key in KEYED_BY_ID}


def test_ids_stay_unique_across_cities(db: Session) -> None:
    """The id sequences outlive the old keys: two cities never share an id."""
    cities = [create_city(db, "satu", "Kota Satu", BBOX), create_city(db, "dua", "Dua", OTHER_BBOX)]
    for city in cities:
        db.execute(
            text(
                "INSERT INTO school (city_id, npsn, name, level, status, geom)"
                " SELECT :c, 'N' || i, 'SD Uji ' || i, 'SD', 'negeri',"
                "        ST_SetSRID(ST_MakePoint(:x + i * 0.001, :y), 4326)"
                " FROM generate_series(1, 3) i"
            ),
            {"c": city.id, "x": city.center[0], "y": city.center[1]},
        )
    ids = db.execute(text("SELECT id FROM school")).scalars().all()
    assert len(ids) == len(set(ids)) == 6
    places = db.execute(text("SELECT id FROM place")).scalars().all()
    assert len(places) == len(set(places)) == 6


def test_every_offender_is_reported_at_once(db: Session) -> None:
    """A future table that breaks the rule in every way is reported, line by line."""
    db.execute(
        text(
            """
            CREATE TABLE tpo_bad_parent (
                id serial PRIMARY KEY, city_id integer NOT NULL REFERENCES city (id),
                code text UNIQUE, geom geometry(Point, 4326), UNIQUE (city_id, id));
            CREATE INDEX tpo_bad_parent_geom ON tpo_bad_parent USING gist (geom);
            CREATE INDEX tpo_bad_parent_words ON tpo_bad_parent
                USING gin (to_tsvector('simple', code));
            CREATE TABLE tpo_bad_child (
                city_id integer NOT NULL, other_city integer, name text,
                parent_id integer REFERENCES tpo_bad_parent (id),
                FOREIGN KEY (other_city, parent_id) REFERENCES tpo_bad_parent (city_id, id),
                FOREIGN KEY (city_id, parent_id) REFERENCES tpo_bad_parent (city_id, id));
            CREATE INDEX tpo_bad_child_name ON tpo_bad_child (name, city_id);
            CREATE INDEX tpo_bad_child_city_name ON tpo_bad_child (city_id, name);
            """
        )
    )
    assert city_key_offenders(db) == [
        "tpo_bad_child: foreign key tpo_bad_child_other_city_parent_id_fkey FOREIGN KEY"
        " (other_city, parent_id) REFERENCES tpo_bad_parent(city_id, id)"
        " does not pair city_id with tpo_bad_parent.city_id",
        "tpo_bad_child: foreign key tpo_bad_child_parent_id_fkey FOREIGN KEY (parent_id)"
        " REFERENCES tpo_bad_parent(id) does not pair city_id with tpo_bad_parent.city_id",
        "tpo_bad_child: index tpo_bad_child_name does not lead with city_id:"
        " CREATE INDEX tpo_bad_child_name ON public.tpo_bad_child USING btree (name, city_id)",
        "tpo_bad_child: no primary key",
        "tpo_bad_parent: index tpo_bad_parent_code_key does not lead with city_id:"
        " CREATE UNIQUE INDEX tpo_bad_parent_code_key ON public.tpo_bad_parent"
        " USING btree (code)",
        "tpo_bad_parent: index tpo_bad_parent_pkey does not lead with city_id:"
        " CREATE UNIQUE INDEX tpo_bad_parent_pkey ON public.tpo_bad_parent USING btree (id)",
        "tpo_bad_parent: index tpo_bad_parent_words does not lead with city_id:"
        " CREATE INDEX tpo_bad_parent_words ON public.tpo_bad_parent"
        " USING gin (to_tsvector('simple'::regconfig, code))",
        "tpo_bad_parent: primary key tpo_bad_parent_pkey PRIMARY KEY (id) does not include city_id",
        "tpo_bad_parent: unique constraint tpo_bad_parent_code_key UNIQUE (code)"
        " does not include city_id",
    ]
