"""Contract tests: the OpenAPI description is valid, and schemathesis finds no 5xx and no response off the spec.

Every operation is exercised in-process with valid tokens of every role, positive and negative data alike.
The run is bounded (a few examples per operation and mode) so that the web suite stays quick.
"""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.interfaces.web.world import POST, RESIDENT, World

ROLES = ("channel", "dispatcher", "volunteer", "inspector", "admin")
EXAMPLES_PER_OPERATION = 8
STATEFUL_SCENARIOS = 25
# Schema-valid data may still break a business rule (an unknown site, a home service without an address):
# DESIGN §7 answers those with 422, so "valid data must be accepted" does not hold for this API.
NOT_CHECKED = [positive_data_acceptance]


def test_the_openapi_description_is_valid_and_documents_every_route(web: Flask) -> None:
    spec = web.test_client().get("/openapi.json").get_json()
    validate(spec)
    routes = {(m.lower(), r.rule) for r in web.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}
              if r.rule.startswith("/api/v1")}
    documented = {(m, p) for p, item in spec["paths"].items() for m in item if m in ("get", "post", "delete")}
    assert {(m, p.replace("<uuid:", "{").replace("<", "{").replace(">", "}")) for m, p in routes} <= documented
    assert spec["openapi"] == "3.1.0"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["positive", "negative"])
def test_no_operation_answers_a_server_error_or_off_the_spec(web: Flask, world: World, mode: GenerationMode) -> None:
    world.order_in("completed")  # some state for the reads to find
    schema = schemathesis.openapi.from_wsgi("/openapi.json", web)
    operations = [result.ok() for result in schema.get_all_operations()]
    seen = {"cases": 0}

    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(ROLES))
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case: schemathesis.Case, role: str) -> None:
            seen["cases"] += 1
            case.call_and_validate(headers=world.headers(role), excluded_checks=NOT_CHECKED)

        try:
            exercise()
        except Unsatisfiable:  # nothing to break in an operation without parameters or body (GET /healthz)
            assert mode is GenerationMode.NEGATIVE and not operation.body and not _parameters(operation)
            seen["without negative data"] = seen.get("without negative data", 0) + 1
    print(f"schemathesis: {len(operations)} operations, {seen['cases']} cases ({mode.value}), no failures")
    assert seen["cases"] >= len(operations)


def _parameters(operation: schemathesis.APIOperation) -> list[object]:
    return [*operation.path_parameters, *operation.query, *operation.headers]


def test_stateful_runs_follow_the_workflow_links_without_a_server_error(web: Flask, world: World) -> None:
    """Schemathesis chains operations by the OpenAPI links (place → dispatch → accept → ...), each step sent
    with the token of the first role allowed on it; bodies that name things are pointed at the world's."""
    reached: dict[str, set[int]] = {}
    machine = workflow_machine(schemathesis.openapi.from_wsgi("/openapi.json", web), world, reached)
    for _ in range(10):  # bounded restarts
        left = STATEFUL_SCENARIOS - machine.scenarios
        try:  # generation only, like schemathesis's own stateful phase: a live store cannot replay a scenario
            machine.run(settings=settings(max_examples=max(left, 1), stateful_step_count=8, deadline=None,
                                          database=None, phases=[Phase.generate],
                                          suppress_health_check=list(HealthCheck)))
            break
        except FlakyStrategyDefinition:
            continue  # the store's state changed which rules apply: go on with the scenarios left, as the CLI does
    succeeded = sorted(label for label, statuses in reached.items() if statuses & {200, 201})
    print(f"schemathesis stateful: {len(reached)} operations reached, {len(succeeded)} with a 2xx: {succeeded}")
    # A random order id answers 404; a 200, or a 409 (a transition refused), on an order's own routes means the
    # walk used an order that exists: it followed a link from 点单. Which links a bounded random walk takes
    # varies from run to run, so it is reported, not asserted; the links themselves are asserted below.
    followed = [label for label, statuses in reached.items() if statuses & {200, 409}
                and label.startswith(("GET /api/v1/orders/{", "POST /api/v1/orders/{"))]
    print(f"schemathesis stateful: {machine.scenarios} scenarios; order operations reached through links: "
          f"{sorted(followed)}")
    assert machine.scenarios >= STATEFUL_SCENARIOS and reached
    assert all(status < 500 for statuses in reached.values() for status in statuses)


def workflow_machine(schema: Any, world: World, reached: dict[str, set[int]]) -> Any:
    @schema.auth(refresh_interval=None)
    class FirstRoleAllowed:
        def get(self, case: schemathesis.Case, context: Any) -> str:
            return world.tokens[(case.operation.definition.raw.get("x-roles") or ["inspector"])[0]]

        def set(self, case: schemathesis.Case, token: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        scenarios = 0

        def teardown(self) -> None:
            type(self).scenarios += 1

        def before_call(self, case: schemathesis.Case) -> None:
            steer(case, world)

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            reached.setdefault(case.operation.label, set()).add(response.status_code)

        def validate_response(self, response: Any, case: schemathesis.Case, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            case.validate_response(response, excluded_checks=NOT_CHECKED, transport_kwargs=kwargs)

    return Workflow


def steer(case: schemathesis.Case, world: World) -> None:
    """Point generated bodies at things that exist, and drop random If-Match tags (a sure 412), so that walks
    get past the first step. Each part is assigned anew, never changed in place: schemathesis then validates it
    again, so that a negative case steered into a valid one is not reported as invalid data accepted."""
    if case.headers and "If-Match" in case.headers:
        case.headers = {name: value for name, value in case.headers.items() if name != "If-Match"}
    if not isinstance(case.body, dict):
        return
    label = case.operation.label
    if label == "POST /api/v1/orders":
        case.body = {**case.body, "category": "health", "site_id": POST, "resident": RESIDENT}
    elif label.endswith("/dispatch"):
        case.body = {"volunteer_id": world.volunteer_id}
    elif label.endswith("/complete"):
        case.body = {"service_minutes": 1}


def test_each_command_links_to_what_can_follow_it(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    placed = spec["paths"]["/api/v1/orders"]["post"]["responses"]["201"]["links"]
    ids = {op["operationId"] for item in spec["paths"].values() for op in item.values() if "operationId" in op}
    assert {link["operationId"] for link in placed.values()} == {
        "get_orders_order_id", "get_orders_order_id_history", *(f"post_orders_order_id_{verb}" for verb in (
            "dispatch", "recall", "accept", "decline", "start", "complete", "review", "cancel"))}
    assert all(link["operationId"] in ids and link["parameters"] == {"order_id": "$response.body#/id"}
               for link in placed.values())


READ_WHOLE = {"/api/v1/audit/events": ("after", "next_after", 1000), "/api/v1/orders": ("cursor", "next_cursor", 200),
              "/api/v1/volunteers": ("cursor", "next_cursor", 200), "/api/v1/sites": ("cursor", "next_cursor", 50)}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_every_list_matches_the_document_for_every_role(web: Flask, world: World, role: str) -> None:
    """Past the first page too: the whole audit log (sites, tokens, idempotency records, orders) as each role
    reads it, every response validated against /openapi.json."""
    world.order_in("reviewed")
    world.call("channel", "POST", "/api/v1/orders", {"category": "health", "site_id": POST, "description": "x",
                                                      "resident": RESIDENT}, **{"Idempotency-Key": "k-1"})
    schema = schemathesis.openapi.from_wsgi("/openapi.json", web)
    read = {path: read_whole(schema[path]["GET"], world.headers(role), *how) for path, how in READ_WHOLE.items()}
    if role in ("inspector", "admin"):  # the log holds the 187 sites' events and more: past its first pages
        assert read["/api/v1/audit/events"] > 200 and read["/api/v1/sites"] == 187


def read_whole(operation: Any, headers: dict[str, str], ask: str, answer: str, limit: int) -> int:
    """Every page of a list, each response validated; how many items the role could read."""
    query: dict[str, Any] = {"limit": limit}
    items = 0
    while True:
        response = operation.Case(query=query).call_and_validate(headers=headers, excluded_checks=NOT_CHECKED)
        if response.status_code != 200 or not response.json()["items"]:
            return items
        items += len(response.json()["items"])
        if response.json().get(answer) is None:
            return items
        query = {"limit": limit, ask: response.json()[answer]}
