"""Shared helpers for the bench scripts: options, scratch stores, medians, machine facts, JSON lines.

Bench scripts are scripts, not tests: run them as `.venv/bin/python bench/bench_<name>.py [--quick]
[--database-url URL]`. Each prints one JSON object per measurement and ends with a summary line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import psycopg

DEFAULT_POSTGRES_URL = os.environ.get("CIVICFLOW_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
MIN_RUNS = 5


def parse_args(description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None
               ) -> argparse.Namespace:
    """`--quick` (under a minute, smaller data), `--database-url` (one store; default: SQLite and PostgreSQL)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="smaller data, done in under a minute")
    parser.add_argument("--database-url", action="append", dest="database_urls", metavar="URL",
                        help="sqlite:////abs/path.db or postgresql://... (repeatable; default: both kinds)")
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help=f"runs per measurement (>= {MIN_RUNS})")
    if extra:
        extra(parser)
    args = parser.parse_args()
    args.runs = max(args.runs, MIN_RUNS)
    return args


def store_kinds(args: argparse.Namespace) -> list[str]:
    """The base URLs to measure on: the given ones, or a scratch SQLite folder and local PostgreSQL."""
    return args.database_urls or ["sqlite", DEFAULT_POSTGRES_URL]


def store_kind(url: str) -> str:
    scheme = urlsplit(url).scheme
    return "postgresql" if scheme.startswith("postgres") else scheme or url


# --- scratch stores -------------------------------------------------------------------------------

@contextmanager
def scratch_store(base: str, label: str = "bench") -> Iterator[str]:
    """A fresh, empty store of the same kind as `base`; yields its CIVICFLOW_DATABASE_URL, removes it afterwards.

    SQLite: a new file in a temporary folder (or beside the given file's folder).
    PostgreSQL: a new schema in the given database, dropped afterwards.
    """
    if store_kind(base) == "postgresql":
        with postgres_scratch_schema(base, label) as url:
            yield url
    else:
        with sqlite_scratch_file(base, label) as url:
            yield url


@contextmanager
def sqlite_scratch_file(base: str, label: str) -> Iterator[str]:
    parent = None
    if base.startswith("sqlite:"):
        parent = Path(urlsplit(base).path[1:]).parent
        parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"civicflow-{label}-", dir=parent))
    try:
        yield f"sqlite:///{folder / 'civicflow.db'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_scratch_schema(base: str, label: str) -> Iterator[str]:
    schema = f"bench_{label}_{uuid.uuid4().hex[:10]}"
    admin = without_query(base)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_query(base, schema=schema)
    finally:
        drop_schema(admin, schema)
        drop_schema(admin, f"{schema}_keys")  # the residents' key store beside it (application/persistence/key_store.py)


def drop_schema(admin_url: str, schema: str) -> None:
    for _ in range(30):  # the server may be restarting (crash drills): keep trying for a while
        try:
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            return
        except psycopg.OperationalError:
            time.sleep(1)


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=""))


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def postgres_version(url: str) -> str | None:
    try:
        with psycopg.connect(without_query(url), connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else None
    except psycopg.Error:
        return None


# --- measuring ------------------------------------------------------------------------------------

def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction in 0..1) of the values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def machine() -> dict[str, Any]:
    return {"cpu": _cpu_model(), "cores": os.cpu_count(), "memory_mb": _memory_mb(),
            "os": platform.platform(), "python": platform.python_version(),
            "eventsourcing": metadata.version("eventsourcing")}


def code_state() -> dict[str, Any]:
    """The commit measured, and the files outside bench/ that differ from it (work in progress shares the tree)."""
    import subprocess
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.rstrip("\n") if done.returncode == 0 else ""

    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
               if not line[3:].startswith("bench/")]
    return {"commit": git("rev-parse", "--short", "HEAD").strip() or None, "uncommitted_outside_bench": changed}


def code_states(at_start: dict[str, Any]) -> dict[str, Any]:
    """The code state taken at the start of a run, and the one at its end when they differ (others' commits or
    edits landed while it ran: the figures are then not of one tree)."""
    at_end = code_state()
    return {"code": at_start} if at_end == at_start else {"code": at_start, "code_at_end": at_end}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def store_facts(url: str) -> dict[str, Any]:
    facts: dict[str, Any] = {"store": store_kind(url)}
    if facts["store"] == "postgresql":
        facts["postgresql"] = postgres_version(url)
    else:
        import sqlite3
        facts["sqlite"] = sqlite3.sqlite_version
    return facts


def emit(record: dict[str, Any]) -> None:
    """Print one measurement as one JSON line."""
    print(json.dumps(record, ensure_ascii=False, default=str), flush=True)


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- demo data ------------------------------------------------------------------------------------

CIVICFLOW_CLI = str(Path(sys.executable).parent / "civicflow")


def audit_key(var_dir: Path) -> Path:
    """The audit signing key of a bench store: every process on the store signs and verifies with it."""
    return var_dir / "audit-ed25519.pem"


def use_audit_key(var_dir: Path) -> None:
    """Point this process and its children (`interfaces.parallel` spawns some) at the store's audit key."""
    os.environ["CIVICFLOW_AUDIT_KEY"] = str(audit_key(var_dir))


def store_env(url: str, var_dir: Path) -> dict[str, str]:
    """The environment for a `civicflow` subprocess on this store (audit key and var files under var_dir)."""
    return {**os.environ, "CIVICFLOW_DATABASE_URL": url, "CIVICFLOW_VAR_DIR": str(var_dir),
            "CIVICFLOW_AUDIT_KEY": str(audit_key(var_dir))}


def load_demo(url: str, var_dir: Path, orders: int, volunteers: int, views: bool = False) -> None:
    """Fill a store with the seeded demo district through the application (`civicflow demo`)."""
    import subprocess
    var_dir.mkdir(parents=True, exist_ok=True)
    command = [CIVICFLOW_CLI, "demo", "--orders", str(orders), "--volunteers", str(volunteers),
               "--views" if views else "--no-views"]
    done = subprocess.run(command, env=store_env(url, var_dir), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"civicflow demo failed:\n{done.stderr[-2000:]}")


@contextmanager
def demo_store(base: str, orders: int, volunteers: int, label: str, views: bool = False
               ) -> Iterator[tuple[str, Path]]:
    """A scratch store holding the demo district; yields (url, var_dir)."""
    with scratch_store(base, label) as url:
        var_dir = Path(tempfile.mkdtemp(prefix=f"civicflow-{label}-var-"))
        try:
            load_demo(url, var_dir, orders, volunteers, views)
            yield url, var_dir
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)


def open_app_and_model(url: str, var_dir: Path):  # type: ignore[no-untyped-def]
    """The application and its read model on a store (views created if missing)."""
    from interfaces.bootstrap import application, open_read_model
    from application.settings import Settings

    app = application(Settings(database_url=url, var_dir=var_dir), reference_data=False)
    return app, open_read_model(app, key_path=audit_key(var_dir))
