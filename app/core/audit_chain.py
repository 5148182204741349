"""The hash that chains audit events: each event's SHA-256 covers its content and the previous hash."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from app.core.clock import rfc3339

GENESIS = "0" * 64


def event_hash(prev_hash: str, at: datetime, content: dict[str, Any]) -> str:
    """The SHA-256 of an event, given the hash of the event before it."""
    canonical = json.dumps(
        {"prev": prev_hash, "at": rfc3339(at), **content},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
