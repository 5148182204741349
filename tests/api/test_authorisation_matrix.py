"""Deny by default: every API route, walked from the app itself, against no token and every role."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts

from app.api.deps import Requires, RequiresAnyOf
from app.core.security import ROLE_SCOPES, SCOPES, Role

# Routes anyone may call, without a token. Everything else must answer 401 without one.
PUBLIC = {
    ("GET", "/"),
    ("POST", "/auth/token"),
    ("GET", "/threat-level"),
    ("GET", "/threat-level/history"),
    ("POST", "/feeds/{feed_id}/events"),  # signed with the feed's own secret instead of a token
    ("GET", "/alerts/public"),  # published warnings are for everyone
    ("GET", "/alerts/public/{alert_id}"),
}


def _scopes_needed(dependant: Any) -> set[frozenset[str]]:
    """What a route needs: each requirement is a set of scopes of which any one will do (usually one scope)."""
    found = set()
    for sub in dependant.dependencies:
        if isinstance(sub.call, Requires):
            found.add(frozenset({sub.call.scope}))
        if isinstance(sub.call, RequiresAnyOf):
            found.add(frozenset(sub.call.scopes))
        found |= _scopes_needed(sub)
    return found


def api_routes(app) -> list[tuple[str, str, set[frozenset[str]]]]:
    """Every (method, path, scopes) of the mounted API."""
    api = next(r.app for r in app.routes if getattr(r, "path", None) == "/api/v1")
    routes = []
    for context in iter_route_contexts(api.routes):
        if isinstance(context.original_route, APIRoute):
            for method in context.methods or ():
                routes.append((method, context.path, _scopes_needed(context.original_route.dependant)))
    return routes


def _url(path: str) -> str:
    return "/api/v1" + re.sub(r"\{[^}]+\}", "00000000-0000-7000-8000-000000000000", path)


def test_the_walk_finds_the_routes(app):
    routes = {(m, p) for m, p, _ in api_routes(app)}
    assert ("GET", "/users") in routes and ("POST", "/threat-level") in routes
    assert len(routes) >= 12


def test_every_non_public_route_needs_a_token(client, app):
    for method, path, _ in api_routes(app):
        if (method, path) in PUBLIC:
            continue
        response = client.request(method, _url(path), json={})
        assert response.status_code == 401, f"{method} {path} answered {response.status_code} without a token"
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_token_without_the_scope_is_403(client, app, make_api_key):
    for method, path, scopes in api_routes(app):
        for scope in scopes:
            others = [s for s in SCOPES if s not in scope]
            key = make_api_key(others, clearance="OFFICIAL-SENSITIVE")
            response = client.request(method, _url(path), json={}, headers=key.headers)
            assert response.status_code == 403, f"{method} {path} without {sorted(scope)}: {response.status_code}"


def test_every_route_against_every_role(client, app, make_user):
    actors = {role: make_user(role) for role in Role}
    for method, path, scopes in api_routes(app):
        if (method, path) == ("DELETE", "/auth/token"):
            continue  # signing out would end the actor's token for the rest of this walk
        for role, actor in actors.items():
            response = client.request(method, _url(path), json={}, headers=actor.headers)
            allowed = all(scope & ROLE_SCOPES[role] for scope in scopes)
            if allowed:
                assert response.status_code not in (401, 403), f"{role} refused {method} {path}: {response.text}"
            else:
                assert response.status_code == 403, f"{role} allowed {method} {path}: {response.status_code}"


def test_every_route_declares_a_scope_or_is_public_or_self_service(app):
    self_service = {("GET", "/me"), ("DELETE", "/auth/token"), ("GET", "/summary")}
    for method, path, scopes in api_routes(app):
        assert scopes or (method, path) in PUBLIC | self_service, f"{method} {path} declares no scope"


def allows(needed: set[frozenset[str]], held: frozenset[str]) -> bool:
    """Whether scopes held meet every requirement of a route (each met by any one of its scopes)."""
    return all(options & held for options in needed)


EVERY_ROLE = set(Role)
READERS = {Role.ADMIN, Role.OFFICER, Role.EMT, Role.VIEWER}  # governance:read (not members)
WRITERS = {Role.ADMIN, Role.OFFICER}  # governance:write
APPROVERS = {Role.ADMIN, Role.EMT}  # approve: EMT's decisions and priorities
GOVERNANCE = {
    ("GET", "/working-groups"): READERS,
    ("POST", "/working-groups"): WRITERS,
    ("GET", "/working-groups/{group_id}"): READERS,
    ("PATCH", "/working-groups/{group_id}"): WRITERS,
    ("GET", "/meetings"): READERS,
    ("POST", "/meetings"): WRITERS,
    ("GET", "/meetings/{meeting_id}"): READERS,
    ("PATCH", "/meetings/{meeting_id}"): WRITERS,
    ("GET", "/actions"): READERS,
    ("POST", "/actions"): WRITERS,
    ("GET", "/actions/{action_id}"): READERS,
    ("PATCH", "/actions/{action_id}"): WRITERS,
    ("GET", "/escalations"): READERS,
    ("POST", "/escalations"): WRITERS,
    ("GET", "/escalations/{escalation_id}"): READERS,
    ("PATCH", "/escalations/{escalation_id}"): WRITERS,
    ("POST", "/escalations/{escalation_id}/decide"): APPROVERS,
    ("GET", "/priorities"): READERS,
    ("POST", "/priorities"): APPROVERS,
    ("GET", "/priorities/{priority_id}"): READERS,
    ("PATCH", "/priorities/{priority_id}"): APPROVERS,
    ("GET", "/reports/emt"): EVERY_ROLE,  # any *:read scope; each section only for the areas the reader may read
}


def test_governance_routes_are_open_to_exactly_these_roles(client, app, make_user):
    routes = {(method, path): needed for method, path, needed in api_routes(app)}
    assert set(GOVERNANCE) <= set(routes)
    actors = {role: make_user(role) for role in Role}
    for (method, path), roles in GOVERNANCE.items():
        assert {role for role in Role if allows(routes[(method, path)], ROLE_SCOPES[role])} == roles, (method, path)
        for role, actor in actors.items():
            status = client.request(method, _url(path), json={}, headers=actor.headers).status_code
            assert (status != 403) == (role in roles), f"{role} {method} {path}: {status}"


def test_the_emt_report_is_open_to_any_read_scope_and_only_to_them(client, make_api_key):
    reads = [s for s in SCOPES if s.endswith(":read")]
    for scope in reads:
        assert client.get("/api/v1/reports/emt", headers=make_api_key([scope]).headers).status_code == 200, scope
    others = [s for s in SCOPES if s not in reads]
    assert client.get("/api/v1/reports/emt", headers=make_api_key(others).headers).status_code == 403
