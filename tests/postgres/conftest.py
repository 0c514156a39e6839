"""Race tests need real concurrency: PostgreSQL, real threads, one connection per thread."""

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL")
