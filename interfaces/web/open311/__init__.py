"""Open311 GeoReport v2 under /open311/v2 (DESIGN §15): a plain Flask blueprint, for standard clients."""

from interfaces.web.open311.routes import blp

__all__ = ["blp"]
