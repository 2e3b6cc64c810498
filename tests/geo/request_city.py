"""A sample city with a few aid proposals, shared by the tests of the staff reads and the rollup."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from geo.accounts import ANONYMOUS, Grant, Principal
from geo.cities import CityInfo
from geo.requests.aid import AID_DOCUMENTS
from geo.requests.attachments import Upload, UploadStore
from geo.requests.schemas import RequestCreate
from geo.requests.service import submit
from tests.api.request_sample import PDF, proposal
from tests.layers.sample import insert_sample_city

# one point in each quarter of the sample city; the n-th gets n + 1 proposals (10 in all)
POINTS = [(106.62, -6.20), (106.62, -6.16), (106.68, -6.20), (106.68, -6.16)]


def staff(city: CityInfo, *grants: Grant) -> Principal:
    """A staff principal of ``city`` with ``grants`` (no account row needed by the queries)."""
    return Principal(
        user_id=987654, username="t", display_name="t", city_id=city.id, grants=grants, via="token"
    )


def city_with_proposals(db: Session, uploads: Path) -> CityInfo:
    """The sample city with 1, 2, 3 and 4 anonymous proposals at the four :data:`POINTS`."""
    info = insert_sample_city(db).city
    store = UploadStore(uploads)
    for n, (lon, lat) in enumerate(POINTS):
        for _ in range(n + 1):
            submit(
                db,
                ANONYMOUS,
                info,
                RequestCreate.model_validate(proposal(lon, lat)),
                documents=[Upload(slot, f"{slot}.pdf", PDF) for slot in AID_DOCUMENTS],
                store=store,
            )
    return info
