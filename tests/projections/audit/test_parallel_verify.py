"""`audit verify --jobs N`: segments verified side by side report exactly what one pass reports."""

from __future__ import annotations

from dataclasses import replace

from interfaces.cli import parallel
from projections.audit.chain import GENESIS
from projections.audit.report import VerifyReport, joined
from tests.projections.scenario import district_day
from tests.projections.audit.tamper import RawStore


def test_segments_verified_side_by_side_agree_with_one_pass(app, clock, read_model):
    district_day(app, clock)
    read_model.catch_up()
    assert parallel.verify(app.settings, jobs=3) == read_model.verify()
    raw = RawStore(app)
    positions = raw.positions()
    for target in (positions[-3], positions[len(positions) // 2 + 2], positions[2]):  # last segment first
        raw.flip_byte(target)
        one_pass = read_model.verify()
        assert not one_pass.ok and one_pass.first_bad_position == target
        assert parallel.verify(app.settings, jobs=2) == one_pass
    raw.close()


def test_a_segment_that_starts_from_a_head_the_one_before_did_not_reach_fails_there():
    first = VerifyReport(True, 10, "ab" * 32, checkpoints=1)
    second = VerifyReport(True, 20, "cd" * 32, checkpoints=1)
    start = (0, GENESIS, 0, first)
    assert joined([start, (50, first.head, 10, second)]) == replace(second, checkpoints=2)
    for claim in (("ef" * 32, 10), (first.head, 9)):
        broken = joined([start, (50, *claim, second)])
        assert (broken.ok, broken.first_bad_position, broken.checked, broken.head) == (False, 50, 10, first.head)
    failing = VerifyReport(False, 4, "01" * 32, 7, "altered")
    assert joined([(0, GENESIS, 0, failing), (50, "ef" * 32, 10, second)]) == failing
