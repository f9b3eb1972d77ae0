"""Who may see and do what (DESIGN §7), decided from a Principal passed in explicitly, and the one format in
which resident data is masked for everyone else (§14)."""

from application.policy.principal import Principal
from application.policy.visibility import OrderReach, OutsideJurisdiction, Policy

__all__ = ["OrderReach", "OutsideJurisdiction", "Policy", "Principal"]
