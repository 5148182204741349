"""The browser session: an encrypted, HttpOnly cookie holding the API token and the CSRF token."""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request, Response

COOKIE = "contest_session"
_KEY_INFO = b"contest-hub web session cookie v1"


@dataclass
class WebSession:
    """What the cookie holds. `user` is the /me of the signed-in user, for the header only."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    token: str | None = None
    user: dict[str, Any] | None = None
    flash: list[str] = field(default_factory=list)
    once: dict[str, Any] = field(default_factory=dict)  # shown on the next view only (confirm.show_once)
    dirty: bool = field(default=False, compare=False)

    def sign_in(self, token: str, user: dict[str, Any]) -> None:
        """Start a signed-in session with a fresh CSRF token (no fixation)."""
        self.token, self.user, self.csrf, self.dirty = token, user, secrets.token_urlsafe(32), True

    def sign_out(self) -> None:
        """Forget the token and the user."""
        self.token, self.user, self.csrf, self.dirty = None, None, secrets.token_urlsafe(32), True
        self.once = {}

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
    """Encrypt and authenticate the session cookie (AES-256-GCM, key derived from the secret key).

    The cookie holds the user's API token, which works on the API: signing alone would leave it readable by anyone
    who sees the cookie, so its content is encrypted. A cookie that fails to decrypt (tampered, another key) or is
    older than max_age gives a new, signed-out session. In production it is a `__Host-` cookie: Secure, Path=/, no
    Domain, so no other host or path can set or read it.
    """

    def __init__(self, secret_key: str, *, max_age: int, production: bool) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(secret_key.encode())
        self.aead = AESGCM(key)
        self.max_age = max_age
        self.production = production
        self.cookie = f"__Host-{COOKIE}" if production else COOKIE

    def seal(self, data: dict[str, Any]) -> str:
        """The session's content, encrypted, as cookie-safe text."""
        nonce = secrets.token_bytes(12)
        plain = json.dumps({**data, "iat": int(time.time())}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(nonce + self.aead.encrypt(nonce, plain, self.cookie.encode())).decode()

    def open(self, raw: str) -> dict[str, Any] | None:
        """The content of a cookie this service sealed within max_age, or None."""
        try:
            blob = base64.urlsafe_b64decode(raw.encode())
            data = json.loads(self.aead.decrypt(blob[:12], blob[12:], self.cookie.encode()))
        except (InvalidTag, ValueError, TypeError):
            return None
        if not isinstance(data, dict) or not 0 <= time.time() - int(data.get("iat", 0)) <= self.max_age:
            return None
        return data

    def load(self, request: Request) -> WebSession:
        """The session in the request's cookie, or a new one."""
        raw = request.cookies.get(self.cookie)
        data = self.open(raw) if raw else None
        if data is not None:
            try:
                return WebSession(
                    csrf=str(data["csrf"]),
                    token=data.get("token"),
                    user=data.get("user"),
                    flash=list(data.get("flash") or []),
                    once=dict(data.get("once") or {}),
                )
            except (KeyError, TypeError):
                pass
        return WebSession(dirty=True)

    def save(self, session: WebSession, response: Response, *, https: bool) -> None:
        """Write the cookie if the session changed."""
        if not session.dirty:
            return
        data = {k: v for k, v in asdict(session).items() if k != "dirty"}
        response.set_cookie(
            self.cookie,
            self.seal(data),
            max_age=self.max_age,
            httponly=True,
            samesite="lax",
            secure=self.production or https,
            path="/",
        )
