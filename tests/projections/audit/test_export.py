"""Exports prove what they show: from genesis or a signed checkpoint to the seal signed at export time; any edit
of a proven field, any record dropped at the start, middle or end, any reordering fails, naming the record."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from civicflow_verify import canonical_json, signed_payload
from interfaces.bootstrap import open_read_model
from projections.audit.signing import public_key_hex
from tests.projections.audit.tamper import RawStore
from tests.projections.scenario import RESIDENT, district_day

Lines = list[str]


@pytest.fixture
def read_model(app):  # type: ignore[no-untyped-def]
    """The read model, signing a checkpoint every 50 events: a range can start inside the log."""
    model = open_read_model(app, checkpoint_every=50)
    yield model
    model.close()


@pytest.fixture
def exported(app, clock, read_model) -> Lines:  # type: ignore[no-untyped-def]
    district_day(app, clock)
    read_model.catch_up()
    read_model.checkpoint()
    return list(read_model.export())


def records(lines: Lines) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in lines]


def lines_of(found: list[dict]) -> Lines:  # type: ignore[type-arg]
    return [json.dumps(r, ensure_ascii=False) + "\n" for r in found]


def events_at(found: list[dict]) -> list[int]:  # type: ignore[type-arg]
    return [i for i, r in enumerate(found) if r["record"] == "event"]


def test_an_export_is_proven_from_genesis_to_its_seal_in_both_formats(app, read_model, exported):
    found = records(exported)
    assert [found[0]["record"], found[-1]["record"]] == ["header", "seal"]
    assert sum(r["record"] == "checkpoint" for r in found) >= 6  # genesis, every 50th, and the one on demand
    for fmt in ("jsonl", "csv"):
        lines = list(read_model.export(fmt=fmt))
        text = "".join(lines)
        assert RESIDENT["name"] not in text and RESIDENT["phone"] not in text
        report = read_model.verify_file(lines, read_model.checkpoints()[0])
        assert report["ok"], report
        assert report["events"] == app.recorder.max_notification_id() and report["key_source"] == "given"


def test_a_range_export_starts_at_the_signed_checkpoint_at_or_before_after(read_model, exported):
    _, marks = read_model.checkpoints()
    middle = marks[1]
    found = records(list(read_model.export(after=middle["position"] + 3)))
    assert found[1]["record"] == "checkpoint" and found[1]["position"] == middle["position"]
    assert found[2]["position"] == next(p for p in (r.get("position") for r in records(exported)
                                                     if r["record"] == "event") if p > middle["position"])
    assert read_model.verify_file(lines_of(found))["ok"]
    without_start = [found[0], *found[2:]]
    report = read_model.verify_file(lines_of(without_start))
    assert (report["ok"], report["line"]) == (False, 2) and "dropped at the start" in report["reason"]


def edit(field: str, value: object) -> Callable[[list[dict]], int]:  # type: ignore[type-arg]
    def mutate(found: list[dict]) -> int:  # type: ignore[type-arg]
        index = events_at(found)[len(events_at(found)) // 2]
        found[index] = {**found[index], field: value}
        return index
    mutate.__name__ = f"edit_{field}"
    return mutate


def edit_data(found: list[dict]) -> int:  # type: ignore[type-arg]
    index = next(i for i in events_at(found) if found[i]["type"] == "ServiceCompleted")
    found[index]["data"] = {**found[index]["data"], "service_minutes": 400}
    return index


def drop(which: int) -> Callable[[list[dict]], int]:  # type: ignore[type-arg]
    def mutate(found: list[dict]) -> int:  # type: ignore[type-arg]
        events = events_at(found)
        index = events[which]
        del found[index]
        return index  # the record after it is the first to disagree (the next event, a checkpoint or the seal)
    mutate.__name__ = {0: "drop_first", -1: "drop_last"}.get(which, "drop_middle")
    return mutate


def drop_the_seal_and_ten_before_it(found: list[dict]) -> int:  # type: ignore[type-arg]
    del found[-11:]
    return len(found)  # the line after the last one: where the seal should have been


def swap_two(found: list[dict]) -> int:  # type: ignore[type-arg]
    first, second = events_at(found)[10:12]
    found[first], found[second] = found[second], found[first]
    return first


EXPORT_MUTATIONS = [edit("type", "Reviewed"), edit("aggregate_type", "Volunteer"), edit("version", 99),
                    edit("aggregate_id", "00000000-0000-0000-0000-000000000000"), edit("actor", "admin:someone"),
                    edit("timestamp", "2020-01-01T00:00:00+00:00"), edit_data, edit("content_sha256", "0" * 64),
                    edit("state_sha256", "0" * 64), drop(0), drop(40), drop(-1), drop_the_seal_and_ten_before_it,
                    swap_two]


@pytest.mark.parametrize("mutate", EXPORT_MUTATIONS, ids=lambda m: m.__name__)
def test_any_change_to_an_export_fails_naming_the_record(read_model, exported, mutate):
    found = records(exported)
    index = mutate(found)
    report = read_model.verify_file(lines_of(found))
    assert (report["ok"], report["line"]) == (False, index + 1), report


def test_the_display_masks_are_shown_not_proven(read_model, exported):
    found = records(exported)
    index = next(i for i, r in enumerate(found) if r.get("display"))
    found[index]["display"] = {"note": "anything"}
    assert read_model.verify_file(lines_of(found))["ok"]


def test_a_file_re_signed_with_a_foreign_key_fails_against_the_key_the_inspector_holds(read_model, exported):
    foreign = Ed25519PrivateKey.generate()
    found = records(exported)
    found[0]["public_key"] = public_key_hex(foreign.public_key())
    for record in found[1:]:
        if record["record"] in ("checkpoint", "seal"):
            record["signature"] = foreign.sign(canonical_json(signed_payload(record))).hex()
    assert read_model.verify_file(lines_of(found))["ok"]  # self-consistent: the file's own key agrees
    report = read_model.verify_file(lines_of(found), read_model.checkpoints()[0])
    assert (report["ok"], report["line"]) == (False, 1) and "another key" in report["reason"]


def test_an_export_of_a_tampered_store_ends_in_an_error_not_a_seal(app, read_model, exported):
    raw = RawStore(app)
    target = records(exported)[events_at(records(exported))[30]]["position"]
    raw.flip_byte(target)
    raw.close()
    found = records(list(read_model.export()))
    assert found[-1] == {**found[-1], "record": "error", "position": target}
    assert not read_model.verify_file(lines_of(found))["ok"]
