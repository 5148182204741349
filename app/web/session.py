"""The browser session: a signed, HttpOnly cookie holding the API token and the CSRF token."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "contest_session"


@dataclass
class WebSession:
    """What the cookie holds. `user` is the /me of the signed-in user, for the header only."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    token: str | None = None
    user: dict[str, Any] | None = None
    flash: list[str] = field(default_factory=list)
    dirty: bool = field(default=False, compare=False)

    def sign_in(self, token: str, user: dict[str, Any]) -> None:
        """Start a signed-in session with a fresh CSRF token (no fixation)."""
        self.token, self.user, self.csrf, self.dirty = token, user, secrets.token_urlsafe(32), True

    def sign_out(self) -> None:
        """Forget the token and the user."""
        self.token, self.user, self.csrf, self.dirty = None, None, secrets.token_urlsafe(32), True

    def add_flash(self, message: str) -> None:
        """A message for the next page shown."""
        self.flash.append(message)
        self.dirty = True

    def pop_flash(self) -> list[str]:
        """Messages waiting to be shown, once."""
        messages, self.flash = self.flash, []
        if messages:
            self.dirty = True
        return messages


class SessionCodec:
    """Sign and verify the session cookie."""

    def __init__(self, secret_key: str, *, max_age: int, secure: bool) -> None:
        self.serializer = URLSafeTimedSerializer(secret_key, salt="contest-hub.web-session")
        self.max_age = max_age
        self.secure = secure

    def load(self, request: Request) -> WebSession:
        """The session in the request's cookie, or a new one."""
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                data = self.serializer.loads(raw, max_age=self.max_age)
                return WebSession(
                    csrf=data["csrf"],
                    token=data.get("token"),
                    user=data.get("user"),
                    flash=list(data.get("flash") or []),
                )
            except (BadSignature, KeyError, TypeError):
                pass
        return WebSession(dirty=True)

    def save(self, session: WebSession, response: Response, *, https: bool) -> None:
        """Write the cookie if the session changed."""
        if not session.dirty:
            return
        data = {k: v for k, v in asdict(session).items() if k != "dirty"}
        response.set_cookie(
            COOKIE,
            self.serializer.dumps(data),
            max_age=self.max_age,
            httponly=True,
            samesite="lax",
            secure=self.secure or https,
            path="/",
        )
