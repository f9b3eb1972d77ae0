"""A small district for web tests: tokens for every role, insiders and outsiders, and orders in any state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from application.app import CivicFlow
from application.persistence.clock import ManualClock
from application.tokens import TokenBook

STATION, POST = "station-babaoshan", "post-babaoshan-01"
OTHER_STATION, OTHER_POST = "station-laoshan", "post-laoshan-01"
SETUP = "test:setup"
RESIDENT = {"name": "王秀英", "phone": "13911112222", "address": "八宝山街道 3-201"}


@dataclass
class World:
    client: FlaskClient
    clock: ManualClock
    app: CivicFlow
    tokens: dict[str, str]
    volunteer_id: str
    other_volunteer_id: str
    team_id: str

    @classmethod
    def build(cls, web: Flask, client: FlaskClient, clock: ManualClock) -> World:
        app: CivicFlow = web.extensions["civicflow"]
        v = app.register_volunteer("Li Lei", "13800000001", POST, ["health", "elderly-care"], actor=SETUP)
        w = app.register_volunteer("Han Meimei", "13800000002", OTHER_POST, ["health"], actor=SETUP)
        team = app.create_team("Babaoshan health team", POST, v.id, actor=SETUP)
        book = TokenBook(app)
        bindings: dict[str, dict[str, Any]] = {
            "channel": {"channel": "district-app"}, "dispatcher": {"site_id": STATION},
            "volunteer": {"volunteer_id": v.id}, "inspector": {}, "admin": {},
            "other-channel": {"channel": "hotline-12345"}, "other-dispatcher": {"site_id": OTHER_STATION},
            "other-volunteer": {"volunteer_id": w.id},
        }
        tokens = {who: book.issue(who.removeprefix("other-"), actor=SETUP, **binding)[0]
                  for who, binding in bindings.items()}
        return cls(client, clock, app, tokens, str(v.id), str(w.id), str(team.id))

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        auth = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return {**auth, **extra}

    def call(self, who: str | None, method: str, path: str, body: Any = None, **headers: str) -> TestResponse:
        return self.client.open(path, method=method, json=body, headers=self.headers(who, **headers))

    def ok(self, who: str, method: str, path: str, body: Any = None, **headers: str) -> dict[str, Any]:
        response = self.call(who, method, path, body, **headers)
        assert response.status_code in (200, 201, 202), response.get_json()
        return response.get_json()

    # --- orders in a given state -------------------------------------------------------------------

    def place(self, **fields: Any) -> dict[str, Any]:
        body = {"category": "health", "site_id": POST, "description": "blood pressure check", "resident": RESIDENT,
                **fields}
        return self.ok("channel", "POST", "/api/v1/orders", body)

    def order_in(self, status: str, *, note: str | None = None, comment: str = "很好", **fields: Any
                 ) -> dict[str, Any]:
        """An order of the insiders' channel, at the insiders' post, walked to `status` by the right roles
        (`fields` for its placement; `note` and `comment` typed on the way)."""
        order = self.place(**fields)
        completion = {"service_minutes": 30, **({"note": note} if note is not None else {})}
        steps = [("dispatched", "dispatcher", "dispatch", {"volunteer_id": self.volunteer_id}),
                 ("accepted", "volunteer", "accept", {}), ("in_service", "volunteer", "start", {}),
                 ("completed", "volunteer", "complete", completion),
                 ("reviewed", "channel", "review", {"rating": 5, "comment": comment})]
        for reached, who, verb, body in steps:
            if order["status"] == status:
                break
            if verb == "complete":
                self.clock.advance(timedelta(minutes=40))
            order = self.ok(who, "POST", f"/api/v1/orders/{order['id']}/{verb}", body)
            assert order["status"] == reached
        return order

    def order_id(self, status: str = "placed") -> UUID:
        return UUID(self.order_in(status)["id"])
