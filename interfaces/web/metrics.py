"""Prometheus text exposition of this process's requests (count by route and status, latency histogram).

Kept in-process and dependency-free: each gunicorn worker reports its own requests; store-wide figures
(events appended, projection lag) are read from the store at scrape time, so they are the same from any worker.
"""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _labels(**labels: str) -> str:
    escaped = (f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
               for k, v in labels.items())
    return "{" + ",".join(escaped) + "}"


class RequestMetrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self._buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self._sums: dict[tuple[str, str], float] = defaultdict(float)
        self._counts: dict[tuple[str, str], int] = defaultdict(int)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[(route, method, str(status))] += 1
            key = (route, method)
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    self._buckets[key][i] += 1
            self._sums[key] += seconds
            self._counts[key] += 1

    def render(self, gauges: dict[str, tuple[str, float]]) -> str:
        lines = ["# HELP civicflow_http_requests_total HTTP requests by route, method and status.",
                 "# TYPE civicflow_http_requests_total counter"]
        with self._lock:
            for (route, method, status), count in sorted(self._requests.items()):
                lines.append(f"civicflow_http_requests_total{_labels(route=route, method=method, status=status)} {count}")
            lines += ["# HELP civicflow_http_request_duration_seconds Request latency.",
                      "# TYPE civicflow_http_request_duration_seconds histogram"]
            for (route, method), counts in sorted(self._buckets.items()):
                lines += self._histogram(route, method, counts)
        for name, (help_text, value) in gauges.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {value}"]
        return "\n".join(lines) + "\n"

    def _histogram(self, route: str, method: str, counts: list[int]) -> list[str]:
        name = "civicflow_http_request_duration_seconds"
        lines = [f"{name}_bucket{_labels(route=route, method=method, le=str(b))} {c}" for b, c in zip(BUCKETS, counts)]
        total = self._counts[(route, method)]
        lines.append(f"{name}_bucket{_labels(route=route, method=method, le='+Inf')} {total}")
        lines.append(f"{name}_sum{_labels(route=route, method=method)} {self._sums[(route, method)]}")
        lines.append(f"{name}_count{_labels(route=route, method=method)} {total}")
        return lines
