"""What a verification answers, and the reports of a parallel verification's segments joined into one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from projections.audit.chain import GENESIS


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    head: str
    first_bad_position: int | None = None
    reason: str | None = None
    checkpoints: int = 0
    from_position: int = 0
    pending: int = 0  # events in the store after the audit table's last row: recomputed, not yet audited

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "head": self.head,
                "first_bad_position": self.first_bad_position, "reason": self.reason,
                "checkpoints": self.checkpoints, "from_position": self.from_position, "pending": self.pending}


def joined(segments: Sequence[tuple[int, str, int, VerifyReport]]) -> VerifyReport:
    """Consecutive segments' reports as one report. Each segment is (its start position, the head and count
    the audit table claims there, its report) and started from that claim, so the claim must equal what the
    segment before it recomputed; the first failure in log order is the one reported."""
    head, checked, signed, pending = GENESIS, 0, 0, 0
    for start, claimed_head, claimed_count, report in segments:
        if (claimed_head, claimed_count) != (head, checked):
            return VerifyReport(False, checked, head, start, "the audit trail changed while it was being "
                                "verified: the chain does not continue from one segment to the next", signed)
        signed, pending = signed + report.checkpoints, pending + report.pending
        if not report.ok:
            return replace(report, checkpoints=signed, from_position=0)
        head, checked = report.head, report.checked
    return VerifyReport(True, checked, head, checkpoints=signed, pending=pending)
