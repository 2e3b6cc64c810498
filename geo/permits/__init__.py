"""The permits wing (perizinan, #15): parcel intake, the spatial pre-check, the workflow."""

from geo.permits.errors import ParcelArchiveError as ParcelArchiveError
from geo.permits.errors import ParcelAreaError as ParcelAreaError
from geo.permits.errors import ParcelCrsMissingError as ParcelCrsMissingError
from geo.permits.errors import ParcelFormatError as ParcelFormatError
from geo.permits.errors import ParcelGeometryTypeError as ParcelGeometryTypeError
from geo.permits.errors import ParcelInvalidError as ParcelInvalidError
from geo.permits.errors import ParcelOutsideCityError as ParcelOutsideCityError
from geo.permits.errors import ParcelTooManyVerticesError as ParcelTooManyVerticesError
from geo.permits.errors import UploadTooLargeError as UploadTooLargeError
from geo.permits.intake import MAX_AREA_M2 as MAX_AREA_M2
from geo.permits.intake import MAX_VERTICES as MAX_VERTICES
from geo.permits.intake import MIN_AREA_M2 as MIN_AREA_M2
from geo.permits.intake import UTM_SRID as UTM_SRID
from geo.permits.intake import ParcelInput as ParcelInput
from geo.permits.intake import area_m2 as area_m2
from geo.permits.intake import check_parcel as check_parcel
from geo.permits.intake import count_vertices as count_vertices
from geo.permits.intake import geojson_of as geojson_of
from geo.permits.intake import parcel_from_geojson as parcel_from_geojson
from geo.permits.intake import read_parcel as read_parcel
