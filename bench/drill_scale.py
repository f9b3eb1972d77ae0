"""The scale-out drill's side: projection workers beside the API, their convergence, the connections used."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from common import CIVICFLOW_CLI, open_app_and_model, store_env, without_query
from http_client import stop
from projections.read_model import partition_views

CONVERGE_WITHIN_SECONDS = 120


@contextmanager
def projection_workers(url: str, var_dir: Path, count: int, extra: dict[str, Any]) -> Iterator[None]:
    """`count` × `civicflow projections run`, the views split between them as the README's deployment advises,
    during the load; afterwards wait for them to reach the latest position (bounded) and record the lag, the
    time it took and the peak number of our connections."""
    groups = partition_views(count)
    extra["projection_views"] = [list(group) for group in groups]
    commands = [[CIVICFLOW_CLI, "projections", "run", "--interval", "0.2", *view_options(group)] for group in groups]
    workers = [subprocess.Popen(command, env=store_env(url, var_dir), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True) for command in commands]
    sampler = ConnectionSampler(url)
    sampler.start()
    try:
        yield
        extra["lag_after_load"], extra["converged_in_s"] = converge(url, var_dir)
        if extra["lag_after_load"]:
            extra["problems"] = [f"projection workers still {extra['lag_after_load']} behind after "
                                 f"{CONVERGE_WITHIN_SECONDS} s"]
    finally:
        sampler.halt()
        extra["peak_connections"] = sampler.peak
        for worker in workers:
            stop(worker)


def view_options(views: tuple[str, ...]) -> list[str]:
    return [option for view in views for option in ("--view", view)]


def converge(url: str, var_dir: Path) -> tuple[int, float]:
    app, model = open_app_and_model(url, var_dir)
    started, lag = time.perf_counter(), model.lag()
    try:
        while lag and time.perf_counter() - started < CONVERGE_WITHIN_SECONDS:
            time.sleep(0.2)
            lag = model.lag()
    finally:
        model.close()
        app.close()
    return lag, round(time.perf_counter() - started, 2)


class ConnectionSampler(threading.Thread):
    """Samples, every 0.2 s, how many server connections carry our application name (PGAPPNAME)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.peak, self.halted = without_query(url), 0, threading.Event()

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True, application_name="civicflow-drill-sampler") as conn:
            while not self.halted.wait(0.2):
                row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                                   "'civicflow-crash-drill'").fetchone()
                self.peak = max(self.peak, row[0] if row else 0)

    def halt(self) -> None:
        self.halted.set()
        self.join(timeout=5)
