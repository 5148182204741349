"""Property-based checks of the whole OpenAPI schema: no 5xx, and every response matches the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from app.core.security import SCOPES

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(app):
    """The schema of the app under test, called in process."""
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


@pytest.fixture
def full_key(make_api_key):
    """A partner key with every scope and the highest clearance."""
    return make_api_key(list(SCOPES), clearance="OFFICIAL-SENSITIVE")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, full_key):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {full_key.token}"}
    case.call_and_validate()
