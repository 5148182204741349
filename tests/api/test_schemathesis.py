"""Property-based checks of the whole OpenAPI schema: no 5xx, and every response matches the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.core.security import SCOPES

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(app):
    """The schema of the app under test, called in process."""
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@pytest.fixture
def full_key(make_api_key, settings, monkeypatch):
    """A partner key with every scope and the highest clearance, not rate-limited: the run sends a few thousand
    requests in a minute with it, and the limit has tests of its own (tests/api/test_rate_limits.py)."""
    monkeypatch.setattr(settings, "partner_rate_limit", 0)
    return make_api_key(list(SCOPES), clearance="OFFICIAL-SENSITIVE")


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, full_key):
    # Excluded: schema-valid values can still be refused by rules the schema cannot express (a cursor this list
    # did not give out, a due date before the start date, a link to a record that does not exist): those are
    # 422s by design. Every other check (no 5xx, status codes, content types, response schemas) runs.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {full_key.token}"}, excluded_checks=[positive_data_acceptance]
    )
