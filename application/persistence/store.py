"""Where the events (and the view tables) live, chosen by one setting: CIVICFLOW_DATABASE_URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_VAR_DIR = Path("var")
SQLITE_LOCK_TIMEOUT_SECONDS = 10
PG_POOL_SIZE = 5
PG_MAX_OVERFLOW = 10
PG_LOCK_TIMEOUT_SECONDS = 5
PG_CONNECT_TIMEOUT_SECONDS = 10


class InvalidDatabaseUrl(ValueError):
    pass


@dataclass(frozen=True)
class StoreLocation:
    """A parsed CIVICFLOW_DATABASE_URL: `memory://`, `sqlite:////abs/path.db` or `postgresql://...`."""

    kind: str
    path: Path | None = None
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = ""
    schema: str = "public"
    pool_size: int = PG_POOL_SIZE
    max_overflow: int = PG_MAX_OVERFLOW

    @classmethod
    def parse(cls, url: str | None, var_dir: Path = DEFAULT_VAR_DIR) -> StoreLocation:
        if not url:
            return cls(kind="sqlite", path=var_dir / "civicflow.db")
        parts = urlsplit(url)
        if parts.scheme == "memory":
            return cls(kind="memory")
        if parts.scheme == "sqlite":
            return cls._sqlite(parts.path)
        if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            return cls._postgres(parts)
        raise InvalidDatabaseUrl(f"unsupported database url scheme {parts.scheme!r}")

    @classmethod
    def _sqlite(cls, path: str) -> StoreLocation:
        # sqlite:////abs/path → "//abs/path"; sqlite:///rel/path → "/rel/path"
        if path.startswith("//"):
            return cls(kind="sqlite", path=Path(path[1:]))
        if path.startswith("/") and len(path) > 1:
            return cls(kind="sqlite", path=Path(path[1:]))
        raise InvalidDatabaseUrl("a sqlite url needs a file path: sqlite:////abs/path/civicflow.db")

    @classmethod
    def _postgres(cls, parts) -> StoreLocation:  # type: ignore[no-untyped-def]
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        dbname = parts.path.lstrip("/")
        if not dbname:
            raise InvalidDatabaseUrl("a postgresql url needs a database name")
        return cls(kind="postgresql", host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
                   user=unquote(parts.username or "postgres"), password=unquote(parts.password or ""),
                   dbname=dbname, schema=query.get("schema", "public"),
                   pool_size=int(query.get("pool_size", PG_POOL_SIZE)),
                   max_overflow=int(query.get("max_overflow", PG_MAX_OVERFLOW)))

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment for eventsourcing's native recorders."""
        if self.kind == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if self.kind == "sqlite":
            assert self.path is not None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(self.path),
                    "SQLITE_LOCK_TIMEOUT": str(SQLITE_LOCK_TIMEOUT_SECONDS)}
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname, "POSTGRES_HOST": self.host, "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user, "POSTGRES_PASSWORD": self.password, "POSTGRES_SCHEMA": self.schema,
            "POSTGRES_POOL_SIZE": str(self.pool_size), "POSTGRES_MAX_OVERFLOW": str(self.max_overflow),
            "POSTGRES_LOCK_TIMEOUT": str(PG_LOCK_TIMEOUT_SECONDS),
            "POSTGRES_CONNECT_TIMEOUT": str(PG_CONNECT_TIMEOUT_SECONDS),
            # The library's recorder with its write in one round trip (postgres_recorder.py).
            "APPLICATION_RECORDER_TOPIC": "application.persistence.postgres_recorder:OneTripApplicationRecorder",
            # No pre-ping: it cost a round trip on every connection checkout (several per request). A pooled
            # connection that died with the server fails its statement, is discarded by the pool, and the
            # recorder retries the call on a fresh one (eventsourcing retries InterfaceError and
            # OperationalError), so a restart is still absorbed (bench/bench_crash_drills.py postgres_restart).
        }

    def sqlalchemy_url(self) -> str:
        """The URL for the SQLAlchemy engine that owns the view tables, on the same store."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        if self.kind == "postgresql":
            auth = self.user + (f":{self.password}" if self.password else "")
            return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{self.dbname}"
        return "sqlite://"
