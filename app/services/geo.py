"""Great-circle distances and bounding boxes on the WGS84 sphere approximation."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # the IUGG mean radius
_METRES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_M / 180

# A generous box around the UK, Crown Dependencies and surrounding waters: outside it is probably a typo.
UK_BOUNDS = (-8.7, 49.8, 1.9, 60.9)  # min lon, min lat, max lon, max lat


@dataclass(frozen=True)
class BBox:
    """A box of longitudes and latitudes, edges included."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lat: float, lon: float) -> bool:
        """Whether a point is in the box (edges included)."""
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bbox_around(lat: float, lon: float, radius_m: float) -> BBox:
    """A box that contains every point within radius_m of (lat, lon): the cheap, index-backed prefilter.

    Slightly larger than needed (never smaller); near the poles it widens to every longitude. Boxes that
    cross the antimeridian are widened to every longitude too, which is correct if not tight.
    """
    dlat = radius_m / _METRES_PER_DEGREE_LAT * 1.0001
    min_lat, max_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    widest = max(abs(min_lat), abs(max_lat))
    if widest >= 89.9:
        return BBox(-180.0, min_lat, 180.0, max_lat)
    dlon = dlat / math.cos(math.radians(widest))
    if lon - dlon < -180 or lon + dlon > 180:
        return BBox(-180.0, min_lat, 180.0, max_lat)
    return BBox(lon - dlon, min_lat, lon + dlon, max_lat)


_UK = BBox(*UK_BOUNDS)


def in_uk(lat: float, lon: float) -> bool:
    """Whether a point is inside the UK's rough bounding box."""
    return _UK.contains(lat, lon)
