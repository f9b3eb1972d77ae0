"""The state machine's harness: a fresh application and model per example, and the helpers its rules share."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import event
from hypothesis.stateful import RuleBasedStateMachine

from application.app import CivicFlow
from application.persistence.clock import ManualClock
from application.settings import Settings
from domain.site import Site
from tests.conftest import START
from tests.property.workflow_model import ModelOrder, ModelVolunteer, Outcome
from tests.property.workflow_rules import WorkflowModel

ACTOR, HOME = "desk:property-test", "post-babaoshan-01"
VOLUNTEERS = [  # (phone, skills, capacity, in the team): one small capacity, one outside the team
    ("13700000000", ["elderly-care", "health"], 1, True),
    ("13700000001", ["elderly-care", "legal-aid"], 3, True),
    ("13700000002", ["legal-aid"], 2, False),
]


class RecordingCivicFlow(CivicFlow):
    """Keeps a copy of every aggregate as its command left it in memory, to compare with its replay."""

    def __init__(self, *args: Any, **kwargs: Any):
        self.as_commanded: dict[UUID, Any] = {}
        super().__init__(*args, **kwargs)

    def commit(self, aggregates):  # type: ignore[no-untyped-def]
        result = super().commit(aggregates)
        # The 187 reference sites are saved once per example and not under test here: copying them costs time.
        self.as_commanded.update({a.id: deepcopy(a) for a in aggregates if not isinstance(a, Site)})
        return result


class WorkflowHarness(RuleBasedStateMachine):
    store_url: Callable[[Path], str]
    second_reader = False

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="civicflow-property-"))
        self.clock = ManualClock(START)
        settings_ = Settings(database_url=self.store_url(self.folder), var_dir=self.folder / "var")
        self.app = RecordingCivicFlow(settings_, self.clock)
        self.app.load_reference_data()
        self.model = self._volunteers_and_a_team()
        self.reader = CivicFlow(settings_, self.clock, env={"AGGREGATE_CACHE_MAXSIZE": ""}) \
            if self.second_reader else None

    def _volunteers_and_a_team(self) -> WorkflowModel:
        team_id = self.app.create_team("Care team", HOME, actor=ACTOR).id
        volunteers = []
        for n, (phone, skills, capacity, in_team) in enumerate(VOLUNTEERS):
            volunteer_id = self.app.register_volunteer(f"V{n}", phone, HOME, skills, capacity, actor=ACTOR).id
            if in_team:
                self.app.add_team_member(team_id, volunteer_id, actor=ACTOR)
            teams = [team_id] if in_team else []
            volunteers.append(ModelVolunteer(volunteer_id, skills, capacity, teams, version=1 + len(teams)))
        return WorkflowModel(team_id, volunteers)

    def teardown(self) -> None:
        for app in (self.app, self.reader):
            if app is not None:
                app.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- helpers ----------------------------------------------------------------------------------------

    def order(self, pick: tuple[bool, int] | ModelOrder, *fitting: str) -> ModelOrder:
        """Half the time an order in a status the command fits (when there is one), else any order."""
        if isinstance(pick, ModelOrder):
            return pick
        prefer_fitting, n = pick
        orders = list(self.model.orders.values())
        fits = [order for order in orders if order.status in fitting]
        pool = fits if prefer_fitting and fits else orders
        return pool[n % len(pool)]

    def volunteer(self, who: str | int, order: ModelOrder | None = None) -> ModelVolunteer:
        volunteers = list(self.model.volunteers.values())
        if who != "natural" or order is None:
            return volunteers[0 if who == "natural" else int(who)]
        if order.accepted_by is not None or order.volunteer is not None:
            return self.model.volunteers[order.accepted_by or order.volunteer]  # type: ignore[index]
        members = [v for v in volunteers if order.team in v.team_ids]
        eligible = [v for v in members if v.cannot_take(order.category) is None]
        return (eligible or members or volunteers)[0]

    def footprint(self) -> tuple[int | None, dict[UUID, int]]:
        """What an invalid command must leave untouched: the log's head and every aggregate's version."""
        versions = {aggregate_id: self.current(aggregate_id).version for aggregate_id in self.ids()}
        return self.app.recorder.max_notification_id(), versions

    def current(self, aggregate_id: UUID) -> Any:
        """The application's own (cached, fast-forwarded) copy: read-only here, so not deep-copied."""
        return self.app.repository.get(aggregate_id, deepcopy_from_cache=False)

    def ids(self) -> list[UUID]:
        return [*self.model.orders, *self.model.volunteers, self.model.team_id]

    def expect(self, outcome: Outcome, label: str, command: Callable[[], Any]) -> Any:
        if outcome is None:
            event(f"{label}: ok")
            return command()
        event(f"{label}: {outcome.__name__}")
        before = self.footprint()
        try:
            command()
        except Exception as error:  # noqa: BLE001 — which error it was is the point of the check
            assert type(error) is outcome, f"{label}: expected {outcome.__name__}, got {error!r}"
        else:
            raise AssertionError(f"{label}: expected {outcome.__name__}, but the command succeeded")
        assert self.footprint() == before, f"{label} failed with {outcome.__name__} but changed the store"
        return None
