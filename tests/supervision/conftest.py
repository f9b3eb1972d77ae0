from __future__ import annotations

from collections.abc import Iterator

import pytest

from application.app import CivicFlow
from interfaces.bootstrap import open_read_model
from projections import ReadModel


@pytest.fixture
def read_model(app: CivicFlow) -> Iterator[ReadModel]:
    """The read model on the same store as `app` (a SQLite file, then a PostgreSQL schema)."""
    model = open_read_model(app)
    yield model
    model.close()
