"""/api/v1/orders: 点单 place, 派单 dispatch, 接单 accept, service, 评单 review — and the order's reads."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import g
from flask.views import MethodView
from werkzeug.exceptions import NotFound

from application.tokens import PROACTIVE_CHANNEL
from domain.order import Order
from interfaces.web import schemas_in as s
from interfaces.web.blueprints import api_blueprint
from interfaces.web.commands import answer, etag, if_match, run
from interfaces.web.context import civicflow, cursors, now, policy, read_model
from interfaces.web.order_access import dispatch_as_asked, present, run_on_order, visible_order
from interfaces.web.order_reads import history_items, order_at, order_filters
from interfaces.web.schemas_out import History, OrderOut, OrderPage

blp = api_blueprint("orders", "/orders", "点单 → 派单 → 接单 → service → 评单: the order workflow")
READERS = ("channel", "dispatcher", "volunteer", "inspector")


@blp.route("")
class Orders(MethodView):
    @blp.roles(*READERS)
    @blp.arguments(s.OrderQuery, location="query")
    @blp.response(200, OrderPage)
    def get(self, query: dict[str, Any]) -> Any:
        """List orders in the caller's reach, newest first (channel: own; dispatcher: jurisdiction; volunteer: own)."""
        principal = g.principal
        filters = order_filters(principal, query)
        if filters is None:
            if "cursor" in query:  # nothing it may see matches, but a forged cursor is refused all the same
                cursors().check(query["cursor"])
            return {"items": [], "next_cursor": None}
        rows, cursor = read_model().orders(**filters, now=now())
        return {"items": policy().shown_all(principal, rows), "next_cursor": cursor}

    @blp.roles("channel", "dispatcher")
    @blp.arguments(s.PlaceOrder)
    @blp.response(201, OrderOut)
    def post(self, body: dict[str, Any]) -> Any:
        """点单: a channel places an order for a resident; a dispatcher places a proactive one (未诉先办)."""
        principal = g.principal
        policy().require_site_in_jurisdiction(principal, "site_id", body["site_id"])
        window = (body["window"]["start"], body["window"]["end"]) if body.get("window") else None
        channel = principal.channel if principal.role == "channel" else PROACTIVE_CHANNEL
        result = run(civicflow().place_order, body["category"], body["site_id"], body["description"],
                     body["resident"], channel, body["priority"], window)
        return answer(Order, result, present, location=f"/api/v1/orders/{result.id}")


@blp.route("/<uuid:order_id>")
class OrderById(MethodView):
    @blp.roles(*READERS)
    @blp.arguments(s.OrderAt, location="query")
    @blp.response(200, OrderOut)
    def get(self, query: dict[str, Any], order_id: UUID) -> Any:
        """The order now, or as it was at `version` or at the instant `as_of`."""
        current = visible_order(order_id)
        order = order_at(current, query.get("version"), query.get("as_of"))
        if order is None:
            raise NotFound(f"order {order_id} has no such version or did not exist then")
        return present(order, now_as=current), 200, {"ETag": etag(order.version)}


@blp.route("/<uuid:order_id>/history")
class OrderHistory(MethodView):
    @blp.roles(*READERS)
    @blp.response(200, History)
    def get(self, order_id: UUID) -> Any:
        """Every event of the order, in order: who did what, when."""
        order = visible_order(order_id)
        return {"items": history_items(g.principal, order, read_model().history(order_id))}


@blp.route("/<uuid:order_id>/dispatch")
class Dispatch(MethodView):
    @blp.roles("dispatcher")
    @blp.arguments(s.Dispatch)
    @blp.response(200, OrderOut)
    def post(self, body: dict[str, Any], order_id: UUID) -> Any:
        """派单: to one volunteer, to a team (members grab it), or `auto` by the dispatch policy."""
        result = dispatch_as_asked(order_id, auto=bool(body.get("auto")), volunteer_id=body.get("volunteer_id"),
                                   team_id=body.get("team_id"), expected_version=if_match())
        return answer(Order, result, present)


@blp.route("/<uuid:order_id>/recall")
class Recall(MethodView):
    @blp.roles("dispatcher")
    @blp.arguments(s.Reason)
    @blp.response(200, OrderOut)
    def post(self, body: dict[str, Any], order_id: UUID) -> Any:
        """Take a dispatched order back (to `placed`)."""
        result = run_on_order(civicflow().recall_order, order_id, body["reason"], expected_version=if_match())
        return answer(Order, result, present)


@blp.route("/<uuid:order_id>/accept")
class Accept(MethodView):
    @blp.roles("volunteer")
    @blp.arguments(s.Empty)
    @blp.response(200, OrderOut)
    def post(self, body: dict[str, Any], order_id: UUID) -> Any:
        """接单: the assigned volunteer (or a member of the assigned team) takes the order; first wins."""
        result = run_on_order(civicflow().accept_order, order_id, g.principal.volunteer_id,
                              expected_version=if_match())
        return answer(Order, result, present)


@blp.route("/<uuid:order_id>/decline")
class Decline(MethodView):
    @blp.roles("volunteer")
    @blp.arguments(s.Reason)
    @blp.response(200, OrderOut)
    def post(self, body: dict[str, Any], order_id: UUID) -> Any:
        """The assignee declines: the order goes back to `placed`."""
        result = run_on_order(civicflow().decline_order, order_id, g.principal.volunteer_id, body["reason"],
                              expected_version=if_match())
        return answer(Order, result, present)


@blp.route("/<uuid:order_id>/start")
class Start(MethodView):
    @blp.roles("volunteer")
    @blp.arguments(s.Start)
    @blp.response(200, OrderOut)
    def post(self, body: dict[str, Any], order_id: UUID) -> Any:
        """The volunteer who accepted starts the service, with the resident's start code (`door_code`) or without."""
        result = run_on_order(civicflow().start_service, order_id, g.principal.volunteer_id, body.get("door_code"),
                              expected_version=if_match())
        return answer(Order, result, present)


@blp.route("/<uuid:order_id>/complete")
class Complete(MethodView):
    @blp.roles("volunteer")
    @blp.arguments(s.Complete)
    @blp.response(200, OrderOut)
    def post(self, body: dict[str, Any], order_id: UUID) -> Any:
        """The volunteer who accepted completes the service; the minutes are credited to them, `confirmed` with
        both door codes, else `declared`."""
        result = run_on_order(civicflow().complete_service, order_id, g.principal.volunteer_id,
                              body["service_minutes"], body.get("note"), body.get("door_code"),
                              expected_version=if_match())
        return answer(Order, result, present)


@blp.route("/<uuid:order_id>/confirm-service")
class ConfirmService(MethodView):
    @blp.roles("dispatcher")
    @blp.arguments(s.ConfirmService)
    @blp.response(200, OrderOut)
    def post(self, body: dict[str, Any], order_id: UUID) -> Any:
        """A dispatcher of the order's sites confirms a declared service by hand, with the reason (recorded)."""
        result = run_on_order(civicflow().confirm_service, order_id, body["reason"], expected_version=if_match())
        return answer(Order, result, present)


@blp.route("/<uuid:order_id>/review")
class Review(MethodView):
    @blp.roles("channel")
    @blp.arguments(s.Review)
    @blp.response(200, OrderOut)
    def post(self, body: dict[str, Any], order_id: UUID) -> Any:
        """评单: the channel that placed the order rates the service 1–5."""
        result = run_on_order(civicflow().review_order, order_id, body["rating"], body.get("comment"),
                              expected_version=if_match())
        return answer(Order, result, present)


@blp.route("/<uuid:order_id>/cancel")
class Cancel(MethodView):
    @blp.roles("channel", "dispatcher")
    @blp.arguments(s.Reason)
    @blp.response(200, OrderOut)
    def post(self, body: dict[str, Any], order_id: UUID) -> Any:
        """The placing channel or a dispatcher in jurisdiction cancels an open order."""
        result = run_on_order(civicflow().cancel_order, order_id, body["reason"], expected_version=if_match())
        return answer(Order, result, present)
