from collections.abc import Iterator
from pathlib import Path

import pytest

from application.app import CivicFlow
from application.settings import Settings
from tests.conftest import make_app
from tests.fakes import StoredResidentOrders


@pytest.fixture(params=["memory", "sqlite"])
def civic(request: pytest.FixtureRequest, clock, tmp_path: Path) -> Iterator[CivicFlow]:
    """The application on the in-memory store and on a SQLite file."""
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'civicflow.db'}"
    application = make_app(Settings(database_url=url, var_dir=tmp_path / "var"), clock)
    application.use_resident_orders(StoredResidentOrders(application))
    yield application
    application.close()


RESIDENT = {"name": "Wang Fang", "phone": "13900000000", "address": "3 Bianfu Lane"}


def place(app: CivicFlow, **overrides):  # type: ignore[no-untyped-def]
    fields = dict(category="haircut", site_id="post-babaoshan-01", description="a haircut at home",
                  resident=RESIDENT, channel="district-app")
    fields.update(overrides)
    actor = fields.pop("actor", "channel:district-app")
    return app.place_order(**fields, actor=actor)


def register(app: CivicFlow, phone: str = "13800000001", skills=("haircut",), capacity: int = 3):  # type: ignore[no-untyped-def]
    return app.register_volunteer("Li Lei", phone, "post-babaoshan-01", list(skills), capacity,
                                  actor="dispatcher:d1")
