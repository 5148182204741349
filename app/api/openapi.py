"""The OpenAPI document as partners' generated clients and linters see it, shaped in one place.

FastAPI writes the document from the routes; `install` post-processes it once, from each route's own metadata, so
no route can forget a convention:

- the scope: the `Requires(...)` dependency in the signature gives the security requirement, `x-required-scope`
  and a line of the description (no `Requires`, no token: `security: []`);
- the error statuses each operation can really return, every one a `Problem` (`application/problem+json`):
  401/403 with a token or scope, 404 with a path id, 422 (every operation: unknown query parameters are refused),
  409 for a POST (Idempotency-Key) or where the route declares it, 412/428 only with If-Match, 413 with a body,
  503 everywhere (with `Retry-After`); 406/415 and 429 (with `RateLimit` headers) where negotiation and partner
  rate limits are installed;
- the headers: `ETag` where the route sets it, `Location` on 201, `Link` on lists, `Idempotent-Replayed` on POST,
  `Retry-After`, `WWW-Authenticate`; the `Idempotency-Key` request header on every POST; `If-Match` a required string
  where the route takes `IfMatch` (the runtime still answers 428, not 422, when it is missing);
- operation ids from function names, tags with descriptions, contact and description.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute

from app.api import fast
from app.api.deps import Requires, RequiresAnyOf, get_principal
from app.api.http import IfMatch
from app.core.errors import PROBLEM_JSON
from app.models.common import FieldError, Page, Problem
from app.models.feeds import PushEvent
from app.models.protect import SiteFeatureCollection

GUIDE = "/api/docs/guide"
REF = "#/components/schemas/{model}"
BEARER = "HTTPBearer"

TAGS: dict[str, str] = {
    "identity": "Signing in and out (`/auth/token`), who you are (`/me`), users and partner API keys (`admin`).",
    "threat level": "The national threat level and its history: public to read, `threat:write` to record.",
    "prevent": "Prevent: police threat assessments, the delivery plan, its items and their progress updates.",
    "protect": "Protect: the protective security site register (Martyn's Law tiers), security assessments and "
    "awareness training.",
    "prepare": "Prepare: contingency plans, exercises and their lessons, the risk register and its matrix.",
    "governance": "Governance: working groups, their meetings and actions, escalations to EMT and its decisions "
    "(`approve`), EMT's priorities, and the EMT report.",
    "dashboard": "The EMT dashboard's counts, within your scopes and clearance.",
    "feeds": "Threat feeds (`admin`): the MI5 RSS feed and signed police pushes, with their health; the push "
    "endpoint itself takes a Standard Webhooks signature, not a bearer token.",
    "audit": "The hash-chained audit log (`audit:read`) and its verification.",
    "tensions": "Community tensions: reports from members and officers and their assessment, the tension scale, "
    "trends by ward and week, reassurance messages, and the community events calendar (also as iCalendar).",
    "search": "One search across sites, Prevent plans and items, threat assessments, contingency plans, risks and "
    "exercises, within your read scopes and clearance.",
    "warn and inform": "Public warnings: drafts (`prepare:write`), two-person approval (`approve`), updates and "
    "cancellations, and the published messages anyone may read (also as Atom and CAP 1.2 outside `/api/v1`).",
}
"""Every tag an operation may carry, described (a new router's tag is added here; a test holds them in step)."""

DESCRIPTION = f"""
The API partner agencies (police, NHS, fire brigade, neighbouring boroughs, the Local Resilience Forum) code against.

**Read the guide first: [conventions, scopes and push events]({GUIDE})** — errors as `application/problem+json`,
keyset pagination (`next_cursor` and `Link`), `ETag`/`If-Match`, `Idempotency-Key`, classification.

Authenticate with `Authorization: Bearer <token>`: a partner API key (`chub_…`), or a user token from
`POST /auth/token`. Each operation names the scope it needs (`x-required-scope`, and a line of its description).
"""

CONTACT = {"name": "CONTEST Hub service team, the council's Community Safety Partnership (see the guide)"}

_HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {"description": "The record's version, for `If-Match` on a later change.", "schema": {"type": "string"}},
    "Location": {"description": "The URL of the new record.", "schema": {"type": "string", "format": "uri"}},
    "Link": {
        "description": 'The next page: `<…?cursor=…>; rel="next"` (absent on the last page).',
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored first response to the same `Idempotency-Key`.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "string"}},
    "WWW-Authenticate": {"description": "`Bearer`: how to authenticate.", "schema": {"type": "string"}},
    "RateLimit": {"description": "The caller's remaining quota (IETF RateLimit header fields).", "schema": {}},
    "RateLimit-Policy": {"description": "The quota policy (IETF RateLimit header fields).", "schema": {}},
}
_HEADERS["RateLimit"]["schema"] = _HEADERS["RateLimit-Policy"]["schema"] = {"type": "string"}

_STATUS_TEXT: dict[int, str] = {
    400: "The body could not be parsed (not JSON, or not the form this operation takes).",
    401: "No valid bearer token (missing, unknown, expired or revoked).",
    403: "The token lacks the scope this operation needs, or the record's marking is above your clearance.",
    404: "Not found (or above your clearance, which is the same thing to you).",
    406: "None of the media types in `Accept` can be given (JSON always can; CSV or GeoJSON where listed).",
    409: "Conflict: a request with this `Idempotency-Key` is still running, or its response held a secret shown "
    "once, or your access changed since it was first made.",
    412: "`If-Match` is stale: the record changed since you read it. Nothing was changed; read it again.",
    413: "The request body is over 1 MiB.",
    415: "The body's `Content-Type` is not one this operation reads (JSON).",
    422: "Validation failed: `errors` names each field. A query parameter the operation does not take, or a "
    "single-valued one given twice, is refused too.",
    428: "`If-Match` is missing: send the `ETag` you read.",
    429: "Too many requests: wait `Retry-After` seconds.",
    503: "The database is unavailable or overloaded: retry after `Retry-After` seconds.",
}

CONFLICT_RESPONSE: dict[int | str, dict[str, Any]] = {409: {"description": "Conflict (see `detail`)."}}
"""For a route whose change can conflict with the record's state or another record (a POST has 409 already)."""

SCHEMAS: list[type[BaseModel]] = [Problem, FieldError, SiteFeatureCollection, PushEvent]
"""Components the document refers to that no route's signature brings in."""


@dataclass(frozen=True)
class Facts:
    """What a route's signature and body say about its HTTP behaviour."""

    method: str
    scope: str | None
    any_of: tuple[str, ...]  # RequiresAnyOf: any one of these scopes will do
    authenticated: bool
    if_match: str | None  # "required", "optional" or None
    path_ids: bool
    body: bool
    sets_etag: bool
    is_list: bool
    status: int
    negotiated: bool  # app/api/negotiation.py (when present): 406 for an Accept it cannot meet, 415 for a body
    rate_limited: bool  # partner keys' rate limit (app/api/rate_limit.py, when present and enabled): 429

    @classmethod
    def of(cls, route: Any, method: str, operation: dict[str, Any], *, rate_limit: int = 0) -> Facts:
        """Read the facts from the route (its dependencies, its response model, its function's source)."""
        calls = [dependant.call for dependant in _walk(route.dependant)]
        scopes = [call.scope for call in calls if isinstance(call, Requires)]
        headers = {param.alias for dependant in _walk(route.dependant) for param in dependant.header_params}
        if_match = "required" if _IF_MATCH_CALL in calls else ("optional" if "If-Match" in headers else None)
        source = _source(route.endpoint)  # with the work it shares with the fast path (app/api/fast.py)
        source += "".join(_source(read.work) for read in fast.HOT if method == "GET" and read.path == route.path)
        model = route.response_model
        return cls(
            method=method,
            scope=scopes[0] if scopes else None,
            any_of=next((call.scopes for call in calls if isinstance(call, RequiresAnyOf)), ()),
            authenticated=get_principal in calls,
            if_match=if_match,
            path_ids=bool(route.dependant.path_params),
            body="requestBody" in operation,
            sets_etag="with_etag(" in source or ("created(" in source and "version=" in source),
            is_list=isinstance(model, type) and issubclass(model, Page),
            status=route.status_code or 200,
            negotiated=any(getattr(call, "__module__", "") == "app.api.negotiation" for call in calls),
            rate_limited=rate_limit > 0 and get_principal in calls,
        )


_IF_MATCH_CALL = get_args(IfMatch)[1].dependency


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _source(function: Callable[..., Any]) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return ""


def operation_id(route: BaseRoute) -> str:
    """An operation's id is its route function's name (`list_sites`): what a generated client calls it."""
    return str(getattr(route, "name", ""))


def install(api: FastAPI) -> None:
    """Shape the API's OpenAPI document once, when it is first asked for."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = shape(api, generate())
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]


def shape(api: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    """The document FastAPI made, with every convention declared (see the module's docstring)."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    _add_schemas(schemas)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)  # FastAPI's own 422 shape: ours is a Problem
    components["headers"] = {name: {**header} for name, header in _HEADERS.items()}
    rate_limit = int(getattr(api.state.settings, "partner_rate_limit", 0) or 0)
    for context in iter_route_contexts(api.routes):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        route: Any = context  # the route as included (prefix, tags, responses), attributes as an APIRoute's
        for method in sorted(route.methods):
            operation = document["paths"][route.path_format][method.lower()]
            facts = Facts.of(route, method, operation, rate_limit=rate_limit)
            _security(operation, facts)
            _parameters(operation, facts)
            _responses(operation, facts, route)
    used = sorted({tag for path in document["paths"].values() for op in path.values() for tag in op.get("tags", [])})
    document["tags"] = [{"name": tag, "description": TAGS.get(tag, f"Operations on {tag}.")} for tag in used]
    document["info"]["contact"] = CONTACT
    text = json.dumps(document["paths"])
    for name in list(components["headers"]):
        if f'"#/components/headers/{name}"' not in text:
            del components["headers"][name]  # declared only where an operation sends it
    return document


def _add_schemas(schemas: dict[str, Any]) -> None:
    _, top = models_json_schema([(model, "serialization") for model in SCHEMAS], ref_template=REF)
    for name, schema in top.get("$defs", {}).items():
        schemas.setdefault(name, schema)  # a model a route also uses keeps FastAPI's rendering of it


def _security(operation: dict[str, Any], facts: Facts) -> None:
    lines = []
    if facts.scope:
        operation["security"] = [{BEARER: []}]  # roles in an http scheme's requirement: Spectral objects
        operation["x-required-scope"] = facts.scope
        lines.append(f"**Scope:** `{facts.scope}` (a bearer token that carries it).")
    elif facts.any_of:
        operation["security"] = [{BEARER: []}]
        operation["x-required-scope-any"] = list(facts.any_of)
        named = ", ".join(f"`{s}`" for s in facts.any_of)
        lines.append(f"**Scope:** any one of {named} (a bearer token that carries at least one).")
    elif facts.authenticated:
        operation["security"] = [{BEARER: []}]
        lines.append("**Scope:** none; any valid bearer token.")
    else:
        operation["security"] = []
        lines.append("**Scope:** none; no bearer token is needed.")
    operation["description"] = "\n\n".join([operation.get("description", "").strip(), *lines]).strip()


def _parameters(operation: dict[str, Any], facts: Facts) -> None:
    parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
    for parameter in parameters:
        if parameter["in"] == "header" and parameter["name"] == "If-Match":
            required = facts.if_match == "required"
            text = "The `ETag` you last read." + (" Required: without it, 428." if required else " Optional.")
            parameter.update(required=required, description=text, schema={"type": "string"})
    if facts.method == "POST":
        text = (
            "Makes the request safe to repeat: the same key and body within 24 hours gets the first response again "
            "(with `Idempotent-Replayed: true`) and creates nothing new."
            if facts.authenticated
            else "Checked (1-255 characters) but not replayed: this operation takes no bearer token."
        )
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": text,
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
    if not parameters:
        del operation["parameters"]


def _header(name: str, *, required: bool = False) -> dict[str, Any]:
    return {"$ref": f"#/components/headers/{name}"} if not required else {**_HEADERS[name], "required": True}


def _problem(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def error_statuses(facts: Facts, declared: set[int]) -> set[int]:
    """The 4xx/5xx statuses an operation can answer."""
    statuses = {422, 503}  # every operation refuses unknown query parameters; any may find the database down
    if facts.authenticated:
        statuses |= {401, 403} if facts.scope or facts.any_of else {401}
    if facts.path_ids:
        statuses.add(404)
    if facts.method == "POST" and facts.authenticated:
        statuses.add(409)  # Idempotency-Key
    if facts.if_match:
        statuses |= {412, 428} if facts.if_match == "required" else {412}
    if facts.body:
        statuses |= {400, 413}
    if facts.negotiated:
        statuses |= {406, 415} if facts.body else {406}
    if facts.rate_limited:
        statuses.add(429)
    return statuses | (declared - {412, 428})


def _responses(operation: dict[str, Any], facts: Facts, route: Any) -> None:
    responses: dict[str, Any] = operation["responses"]
    declared = {int(code): spec for code, spec in route.responses.items() if str(code).isdigit()}
    for code in [code for code in responses if code.isdigit() and int(code) >= 400]:
        del responses[code]
    for status in sorted(error_statuses(facts, {code for code in declared if code >= 400})):
        description = str(declared.get(status, {}).get("description") or _STATUS_TEXT.get(status, "Error."))
        headers: dict[str, Any] = {}
        if status in (429, 503):
            headers["Retry-After"] = _header("Retry-After", required=True)
        if status == 401 and facts.authenticated:
            headers["WWW-Authenticate"] = _header("WWW-Authenticate", required=True)
        responses[str(status)] = _problem(description, headers)
    success = responses.get(str(facts.status))
    if success is None:
        return
    headers = success.setdefault("headers", {})
    if facts.sets_etag:
        headers.setdefault("ETag", _header("ETag"))
    if facts.status == 201 and facts.sets_etag:
        headers.setdefault("Location", _header("Location", required=True))
    if facts.is_list:
        headers.setdefault("Link", _header("Link"))
    if facts.rate_limited:
        headers.setdefault("RateLimit", _header("RateLimit"))
        headers.setdefault("RateLimit-Policy", _header("RateLimit-Policy"))
    if facts.method == "POST" and facts.authenticated:
        headers.setdefault("Idempotent-Replayed", _header("Idempotent-Replayed"))
    if not headers:
        del success["headers"]
