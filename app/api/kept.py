"""Answers kept for a few seconds: a signed-in user's repeated reads of the dashboard's panels (README "Performance").

The dashboard asks the API the same handful of questions every time anyone opens it (who am I, the plans active now,
warnings awaiting approval, tension reports, escalations awaiting EMT), and each answer takes milliseconds to
build. A read route opts in with `dependencies=[Kept]`. `KeptReads`, inside the API's middleware, then keeps each
200 answer it gives a user (never a partner key: their every read is counted against their rate limit and may be a
disclosure), keyed by the user's token, the path, the query and `Accept`, and gives it again while all of these hold:

- the answer is younger than `TTL` seconds;
- nothing has been committed through this process since it was built (`Database.changes`): a change anyone makes
  through this server shows on the next read at once; a change made by another process (a second server on
  PostgreSQL, the feed worker, the command line) shows within `TTL` seconds, as the summary's cache (README);
- the token still stands for the user (the principal cache, or the database when the cache has let it go:
  `deps.known_principal`), and no user, token or key has changed since (a sign-out, a revocation, a role or
  clearance change clears every kept answer at once).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette._utils import get_route_path
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import get_principal, hand_on, known_principal
from app.api.fast import path_pattern
from app.core.database import Database
from app.core.security import hash_secret
from app.services import identity

TTL = 5.0  # seconds
MAX_ENTRIES = 5_000
MAX_BODY = 256 * 1024  # larger answers are not kept


async def _may_be_kept() -> None:
    """Marks a read route whose answers to a user may be kept for `TTL` seconds (see the module's docstring)."""


Kept = Depends(_may_be_kept)


@dataclass(frozen=True)
class _Answer:
    made: float
    generation: tuple[int, int]
    start: Message
    body: bytes


def kept_paths(api: FastAPI) -> list[re.Pattern[str]]:
    """The path patterns of the API's GET routes marked `Kept` (and authenticated: a public read has its own cache)."""
    found = []
    for context in iter_route_contexts(api.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        calls = {d.call for d in _walk(route.dependant)}
        if _may_be_kept in calls:
            if get_principal not in calls:
                raise RuntimeError(f"{context.path} is marked Kept but does not authenticate")
            found.append(path_pattern(str(context.path)))
    return found


def _walk(dependant: Any) -> list[Any]:
    return [dependant, *(d for sub in dependant.dependencies for d in _walk(sub))]


class KeptAnswers:
    """The kept answers of this process, by database, token, path, query and `Accept`."""

    def __init__(self) -> None:
        self._answers: dict[tuple[str, str, str, bytes, str], _Answer] = {}

    def get(self, key: tuple[str, str, str, bytes, str], generation: tuple[int, int]) -> _Answer | None:
        """The answer kept under a key, if it is still good (young enough, nothing changed since)."""
        answer = self._answers.get(key)
        if answer is None or answer.generation != generation or time.monotonic() - answer.made >= TTL:
            return None
        return answer

    def put(self, key: tuple[str, str, str, bytes, str], answer: _Answer) -> None:
        """Keep an answer (forgetting them all when there are too many: a bound, not an eviction policy)."""
        if len(self._answers) >= MAX_ENTRIES:
            self._answers.clear()
        self._answers[key] = answer

    def clear(self) -> None:
        """Forget every kept answer."""
        self._answers.clear()


ANSWERS = KeptAnswers()


class KeptReads:
    """Keeps and gives again the answers of `Kept` routes to users (see the module's docstring)."""

    def __init__(self, app: ASGIApp, *, api: FastAPI) -> None:
        self.app, self.api = app, api
        self._paths: list[re.Pattern[str]] | None = None

    def _kept(self, path: str) -> bool:
        if self._paths is None:
            self._paths = kept_paths(self.api)
        return any(pattern.match(path) for pattern in self._paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self._kept(get_route_path(scope)):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        scheme, _, token = (headers.get("authorization") or "").partition(" ")
        database: Database = scope["app"].state.database
        known = await known_principal(database, token) if scheme.lower() == "bearer" and token else None
        if known is None or known.principal.kind != "user":
            if known is not None:
                hand_on(scope, token, known)
            await self.app(scope, receive, send)
            return
        generation = (database.changes, identity.PRINCIPALS.generation)
        path, query, accept = get_route_path(scope), scope.get("query_string", b""), headers.get("accept", "")
        key = (database.url_key, hash_secret(token), path, query, accept)
        answer = ANSWERS.get(key, generation)
        if answer is not None:
            await send({**answer.start, "headers": list(answer.start["headers"])})  # middleware outside adds to it
            await send({"type": "http.response.body", "body": answer.body, "more_body": False})
            return
        made, start, parts = time.monotonic(), None, []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = {**message, "headers": list(message.get("headers", []))}  # as this layer gave it
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keep)
        body = b"".join(parts)
        if start is not None and start["status"] == 200 and len(body) <= MAX_BODY:
            ANSWERS.put(key, _Answer(made, generation, start, body))
