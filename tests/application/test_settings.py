from datetime import timedelta
from pathlib import Path

import pytest

from application.settings import Settings
from application.persistence.store import InvalidDatabaseUrl, StoreLocation


def test_no_url_means_sqlite_files_under_the_var_folder():
    location = StoreLocation.parse(None, Path("var"))
    assert (location.kind, location.path) == ("sqlite", Path("var/civicflow.db"))


def test_an_absolute_sqlite_url_names_the_file():
    assert StoreLocation.parse("sqlite:////srv/cf/civicflow.db").path == Path("/srv/cf/civicflow.db")


def test_a_postgresql_url_sets_the_native_recorder_with_pools_and_a_lock_timeout():
    location = StoreLocation.parse("postgresql://civic:s%40cret@db.local:6543/civicflow?schema=district&pool_size=8")
    env = location.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == ("db.local", "6543", "civicflow")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_SCHEMA"]) == ("civic", "s@cret", "district")
    assert env["POSTGRES_POOL_SIZE"] == "8" and int(env["POSTGRES_LOCK_TIMEOUT"]) > 0


@pytest.mark.parametrize("url", ["mysql://x/y", "sqlite://", "postgresql://host/"])
def test_unusable_urls_are_refused_with_a_reason(url):
    with pytest.raises(InvalidDatabaseUrl):
        StoreLocation.parse(url)


def test_deadlines_and_tolerance_are_configurable_from_the_environment():
    settings = Settings.from_env({"CIVICFLOW_DEADLINE_DISPATCH_MINUTES": "45",
                                  "CIVICFLOW_SERVICE_TOLERANCE_MINUTES": "5"})
    assert settings.deadlines.dispatch == timedelta(minutes=45)
    assert settings.deadlines.review == timedelta(days=7)
    assert settings.service_tolerance == timedelta(minutes=5)


def test_a_cache_size_of_zero_switches_the_aggregate_cache_off(tmp_path):
    from application.app import CivicFlow

    no_cache = CivicFlow(Settings(database_url="memory://", var_dir=tmp_path, aggregate_cache_size=0))
    cached = CivicFlow(Settings(database_url="memory://", var_dir=tmp_path, aggregate_cache_size=10))
    assert no_cache.repository.cache is None and cached.repository.cache is not None
