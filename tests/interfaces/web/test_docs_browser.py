"""/docs in a real browser: Swagger UI renders the document from this app alone, "Authorize" takes a bearer
token, and "Try it out" starts from the request body's example and places an order with it."""

from __future__ import annotations

from typing import Any

from tests.interfaces.web.world import World


def test_try_it_out_places_an_order_with_the_example_and_a_bearer_token(page: Any, live_server: str,
                                                                        world: World) -> None:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto("/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    page.locator("button.authorize").first.click()
    page.locator(".auth-container input").first.fill(world.tokens["channel"])
    page.locator(".auth-btn-wrapper button.authorize").click()
    page.locator(".auth-btn-wrapper button.btn-done").click()
    operation = page.locator("#operations-orders-post_orders")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    body = operation.locator("textarea.body-param__text")
    assert "王秀英" in body.input_value()  # the schema's example, not a generated "string"
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("201")
    assert hosts == {live_server.split("/")[2]}  # nothing was fetched from anywhere else
