"""ORM models by domain (SQLAlchemy 2 typed mapping, GeoAlchemy2 geometry columns)."""

from geo.models.base import ADMIN_LEVELS, NAMING, SCHOOL_LEVELS, SCHOOL_STATUSES, Base
from geo.models.city import AdminArea, City
from geo.models.layers import REVISIONED_TABLES, LayerPointGrid, LayerPointGridState, LayerRevision
from geo.models.parcels import PermitParcel
from geo.models.places import Place, PlaceWord
from geo.models.schools import School
from geo.models.transport import AngkotRoute, RoadEdge

__all__ = [
    "ADMIN_LEVELS",
    "NAMING",
    "REVISIONED_TABLES",
    "SCHOOL_LEVELS",
    "SCHOOL_STATUSES",
    "AdminArea",
    "AngkotRoute",
    "Base",
    "City",
    "LayerPointGrid",
    "LayerPointGridState",
    "LayerRevision",
    "PermitParcel",
    "Place",
    "PlaceWord",
    "RoadEdge",
    "School",
]
