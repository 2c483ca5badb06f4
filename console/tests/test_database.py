import pytest
from django.db import connection

from conftest import REQUIRE_SERVICES


@pytest.mark.django_db
def test_ci_runs_on_postgresql():
    """Under MPP_REQUIRE_SERVICES=1 the suite must be talking to PostgreSQL, not SQLite."""
    if REQUIRE_SERVICES:
        assert connection.vendor == "postgresql"
    else:
        assert connection.vendor in {"postgresql", "sqlite"}
