"""Random sequences of valid and invalid commands, checked against a plain model of the workflow.

After every step: the aggregates agree with the model; an invalid command raised the model's error and wrote
nothing (log head and aggregate versions unchanged); and every aggregate replayed from its events equals the
state its last command left in memory — also as read by a second, cache-less application on the same SQLite file.
Run with `--hypothesis-show-statistics` to see how often each command succeeded or failed, and why.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from tests.property.harness import ACTOR, WorkflowHarness
from tests.property.workflow_model import order_view, placement_error, volunteer_view

PICK = st.tuples(st.booleans(), st.integers(0, 1_000))  # (prefer an order the command fits?, which one)
WHO = st.sampled_from(["natural", 0, 1, 2])  # "natural": the volunteer the order calls for
MINUTES = st.one_of(st.sampled_from([-5, 0, 1, 15, 16]), st.integers(1, 3_000))  # 1 and 15 always fit
RATINGS = st.integers(-1, 7)
NATURAL_MOSTLY = st.sampled_from(["natural"] * 5 + [0, 1, 2])
MOSTLY_FITTING_MINUTES = st.sampled_from([1, 15, 15, 15, -5, 16, 600])
RESIDENT = {"name": "Zhao", "phone": "13600000000", "address": "9 Lane"}
RESIDENTS = st.sampled_from([RESIDENT, {"name": "Qian", "phone": "13600000001"}, {"name": "Sun", "phone": ""}])
CLOCK_STEPS = st.sampled_from([timedelta(minutes=10), timedelta(minutes=40), timedelta(hours=2), timedelta(days=1),
                               timedelta(days=8), timedelta(days=8)])
HAPPY_PATH = ("placed", "dispatched", "accepted", "in_service", "completed")


class WorkflowMachine(WorkflowHarness):
    @initialize()
    def a_first_order(self) -> None:
        """Start with one order, so that every order command has an order to pick from."""
        self.place("elderly-care", "post-babaoshan-01", RESIDENT, "normal")

    @rule(category=st.sampled_from(["elderly-care", "health", "legal-aid", "knitting"]), resident=RESIDENTS,
          site=st.sampled_from(["post-babaoshan-01", "base-01", "center", "post-nowhere"]),
          priority=st.sampled_from(["normal", "urgent", "asap"]))
    def place(self, category, site, resident, priority):  # type: ignore[no-untyped-def]
        result = self.expect(placement_error(category, site, resident, priority), "place", lambda: self.app.place_order(
            category, site, "needs a hand", resident, "district-app", priority, actor=ACTOR))
        if result is not None:
            self.model.add_order(result.id, category, site, priority, self.clock.now())

    @rule(pick=PICK, to=st.sampled_from(["team", 0, 1, 2]))
    def dispatch(self, pick, to):  # type: ignore[no-untyped-def]
        order = self.order(pick, "placed")
        volunteer_id = None if to == "team" else self.volunteer(to).id
        team_id = self.model.team_id if to == "team" else None
        self.expect(self.model.dispatch(order, volunteer_id, team_id, self.clock.now()), "dispatch",
                    lambda: self.app.dispatch_order(order.id, volunteer_id, team_id, actor=ACTOR))

    @rule(pick=PICK)
    def recall(self, pick):  # type: ignore[no-untyped-def]
        order = self.order(pick, "dispatched")
        self.expect(self.model.recall(order), "recall", lambda: self.app.recall_order(order.id, "wrong", actor=ACTOR))

    @rule(pick=PICK, who=WHO)
    def decline(self, pick, who):  # type: ignore[no-untyped-def]
        order = self.order(pick, "dispatched")
        volunteer = self.volunteer(who, order)
        self.expect(self.model.decline(order, volunteer), "decline",
                    lambda: self.app.decline_order(order.id, volunteer.id, "busy", actor=ACTOR))

    @rule(pick=PICK, who=WHO)
    def accept(self, pick, who):  # type: ignore[no-untyped-def]
        order = self.order(pick, "dispatched")
        volunteer = self.volunteer(who, order)
        self.expect(self.model.accept(order, volunteer), "accept",
                    lambda: self.app.accept_order(order.id, volunteer.id, actor=ACTOR))

    @rule(pick=PICK, who=WHO)
    def start(self, pick, who):  # type: ignore[no-untyped-def]
        order = self.order(pick, "accepted")
        volunteer = self.volunteer(who, order)
        self.expect(self.model.start(order, volunteer, self.clock.now()), "start",
                    lambda: self.app.start_service(order.id, volunteer.id, actor=ACTOR))

    @rule(pick=PICK, who=WHO, minutes=MINUTES)
    def complete(self, pick, who, minutes):  # type: ignore[no-untyped-def]
        order = self.order(pick, "in_service")
        volunteer = self.volunteer(who, order)
        self.expect(self.model.complete(order, volunteer, minutes, self.clock.now()), "complete",
                    lambda: self.app.complete_service(order.id, volunteer.id, minutes, actor=ACTOR))

    @rule(pick=PICK, rating=RATINGS)
    def review(self, pick, rating):  # type: ignore[no-untyped-def]
        order = self.order(pick, "completed")
        self.expect(self.model.review(order, rating), "review",
                    lambda: self.app.review_order(order.id, rating, "thanks", actor=ACTOR))

    @rule(pick=PICK)
    def cancel(self, pick):  # type: ignore[no-untyped-def]
        order = self.order(pick, "accepted")  # cancelling an accepted order also frees its volunteer
        self.expect(self.model.cancel(order), "cancel", lambda: self.app.cancel_order(order.id, "moved", actor=ACTOR))

    @rule(pick=PICK)
    def expire(self, pick):  # type: ignore[no-untyped-def]
        order = self.order(pick, "dispatched")
        self.expect(self.model.expire(order, self.clock.now()), "expire",
                    lambda: self.app.expire_dispatch(order.id, actor="system:supervisor"))

    @rule(pick=PICK)
    def escalate(self, pick):  # type: ignore[no-untyped-def]
        order = self.order(pick, "placed", "dispatched")
        self.expect(self.model.escalate(order), "escalate",
                    lambda: self.app.escalate_order(order.id, "overdue", actor="system:supervisor"))

    @rule(pick=PICK)
    def close_review_window(self, pick):  # type: ignore[no-untyped-def]
        order = self.order(pick, "completed")
        self.expect(self.model.close_review_window(order, self.clock.now()), "close review window",
                    lambda: self.app.close_review_window(order.id, actor="system:supervisor"))

    def next_step(self, n: int, who: str | int, minutes: int, rating: int) -> None:
        """A new order, or the next command on an open order's path, with random arguments (valid or not)."""
        open_orders = [order for order in self.model.orders.values() if order.status in HAPPY_PATH]
        if n % 6 == 0 or not open_orders:
            return self.place(("elderly-care", "health", "legal-aid")[n % 3], "post-babaoshan-01", RESIDENT, "normal")
        furthest = max(open_orders, key=lambda order: HAPPY_PATH.index(order.status))
        order = furthest if n % 3 else open_orders[n % len(open_orders)]  # mostly finish what was started
        to = "team" if n % 2 else n // 2 % 2 if who == "natural" else who  # volunteer 0 holds one order at most
        step = {"placed": lambda: self.dispatch(order, to),
                "dispatched": lambda: self.expire(order) if n % 5 == 1 else self.accept(order, who),
                "accepted": lambda: self.start(order, who),
                "in_service": lambda: self.complete(order, who, minutes),
                "completed": lambda: self.close_review_window(order) if n % 3 == 1 else self.review(order, rating)}
        return step[order.status]()

    # Hypothesis picks rules uniformly: three entry points give the path forward a fair share of the steps.
    @rule(n=st.integers(0, 1_000), who=NATURAL_MOSTLY, minutes=MOSTLY_FITTING_MINUTES, rating=RATINGS)
    def take_the_next_step(self, n, who, minutes, rating):  # type: ignore[no-untyped-def]
        self.next_step(n, who, minutes, rating)

    @rule(n=st.integers(0, 1_000), who=NATURAL_MOSTLY, minutes=MOSTLY_FITTING_MINUTES, rating=RATINGS)
    def take_one_more_step(self, n, who, minutes, rating):  # type: ignore[no-untyped-def]
        self.next_step(n, who, minutes, rating)

    @rule(n=st.integers(0, 1_000), who=NATURAL_MOSTLY, minutes=MOSTLY_FITTING_MINUTES, rating=RATINGS)
    def and_another_step(self, n, who, minutes, rating):  # type: ignore[no-untyped-def]
        self.next_step(n, who, minutes, rating)

    @rule(who=WHO)
    def suspend(self, who):  # type: ignore[no-untyped-def]
        volunteer = self.volunteer(who)
        self.expect(self.model.suspend(volunteer), "suspend",
                    lambda: self.app.suspend_volunteer(volunteer.id, "complaint", actor=ACTOR))

    @rule(who=WHO)
    def reinstate(self, who):  # type: ignore[no-untyped-def]
        volunteer = self.volunteer(who)
        self.expect(self.model.reinstate(volunteer), "reinstate",
                    lambda: self.app.reinstate_volunteer(volunteer.id, "cleared", actor=ACTOR))

    @rule(who=WHO, available=st.sampled_from([True, True, False]))
    def set_availability(self, who, available):  # type: ignore[no-untyped-def]
        volunteer = self.volunteer(who)
        self.expect(self.model.set_availability(volunteer, available), "availability",
                    lambda: self.app.set_availability(volunteer.id, available, actor=ACTOR))

    @rule(step=CLOCK_STEPS)
    def advance_the_clock(self, step):  # type: ignore[no-untyped-def]
        self.clock.advance(step)

    # --- after every step ---------------------------------------------------------------------------------

    @invariant()
    def aggregates_agree_with_the_model(self) -> None:
        for order in self.model.orders.values():
            assert order_view(self.current(order.id)) == order.view()
        for volunteer in self.model.volunteers.values():
            assert volunteer_view(self.current(volunteer.id)) == volunteer.view()

    @invariant()
    def replaying_the_events_gives_the_state_each_command_left(self) -> None:
        for aggregate_id in self.ids():
            as_commanded = self.app.as_commanded[aggregate_id]
            assert self.app.repository.get(aggregate_id, version=as_commanded.version) == as_commanded
            assert self.current(aggregate_id) == as_commanded
            if self.reader is not None:
                assert self.reader.repository.get(aggregate_id) == as_commanded

    @invariant()
    def the_team_never_changes_after_setup(self) -> None:
        assert self.current(self.model.team_id).version == 3  # created + two members


class InMemoryWorkflow(WorkflowMachine):
    store_url = staticmethod(lambda folder: "memory://")


class SQLiteWorkflow(WorkflowMachine):
    store_url = staticmethod(lambda folder: f"sqlite:///{folder}/civicflow.db")
    second_reader = True


FAST = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
TestWorkflowInMemory = InMemoryWorkflow.TestCase
TestWorkflowInMemory.settings = settings(max_examples=100, stateful_step_count=50, **FAST)
TestWorkflowOnSQLiteFile = SQLiteWorkflow.TestCase
TestWorkflowOnSQLiteFile.settings = settings(max_examples=10, stateful_step_count=30, **FAST)
