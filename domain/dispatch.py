"""The ranking rule of auto-dispatch (派单): who is the best eligible volunteer for an order, and why.

Pure domain: the application walks the sites nearest-first and asks a candidate source for the best
volunteer at each; the read side ranks volunteers within a site with the same rule (`rank_key`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

EARTH_RADIUS_KM = 6371.0088
RECENT = timedelta(days=30)  # "recent orders" are those taken within this span before the dispatch


@dataclass(frozen=True)
class Candidate:
    """An eligible volunteer as a candidate source sees them (skill, available, not suspended, under capacity)."""

    volunteer_id: UUID
    home_site_id: str
    active_orders: int
    average_rating: float | None
    recent_orders: int


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points on the Earth, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def rank_key(candidate: Candidate, distance_km: float) -> tuple[float, int, float, int, str]:
    """Smaller is better: nearer home site, lighter load, higher rating, fewer recent orders, then the id.

    An unrated volunteer counts as rated 0 (rated volunteers go first at equal load); the id makes the
    order total, so the same state always picks the same volunteer.
    """
    rating = candidate.average_rating or 0.0
    return (round(distance_km, 3), candidate.active_orders, -rating, candidate.recent_orders,
            str(candidate.volunteer_id))


def explain(candidate: Candidate, distance_km: float, order_site_id: str) -> dict[str, Any]:
    """The `explanation` recorded on the Dispatched event: the score (the rank key) and a readable reason."""
    rating = candidate.average_rating
    reason = (f"nearest eligible volunteer: home site {candidate.home_site_id} is {distance_km:.2f} km from "
              f"{order_site_id}; {candidate.active_orders} active orders; rating "
              f"{'none' if rating is None else f'{rating:.2f}'}; {candidate.recent_orders} orders in the last "
              f"{RECENT.days} days")
    score = [round(distance_km, 3), candidate.active_orders, -round(rating or 0.0, 2), candidate.recent_orders]
    return {"method": "auto", "score": score, "reason": reason,
            "home_site_id": candidate.home_site_id, "distance_km": round(distance_km, 3)}


def nearest_first(origin: tuple[float, float], sites: Iterable[tuple[str, float, float]]
                  ) -> list[tuple[float, str]]:
    """(distance_km, site code) for every site, nearest first, ties by code: computed once per origin."""
    lat, lon = origin
    return sorted((round(haversine_km(lat, lon, s_lat, s_lon), 3), code) for code, s_lat, s_lon in sites)
