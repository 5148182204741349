"""Feed tests: a local HTTP server that serves feeds (never the real MI5 site), and signing helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MI5_SAMPLE = (FIXTURES / "mi5" / "threat-level-2024-03-05.xml").read_bytes()
HOSTILE = FIXTURES / "feeds"


SAMPLE_DATE = "Tuesday, March 05, 2024 -  02:52"


def mi5_feed(uk: str = "SUBSTANTIAL", ni: str = "SUBSTANTIAL", pub_date: str = SAMPLE_DATE) -> bytes:
    """The real sample with other levels and date."""
    text = MI5_SAMPLE.decode()
    text = text.replace("Current threat level: SUBSTANTIAL", f"Current threat level: {uk}")
    text = text.replace("national threat level is SUBSTANTIAL", f"national threat level is {uk}")
    text = text.replace("terrorism is SUBSTANTIAL", f"terrorism is {ni}")
    return text.replace(SAMPLE_DATE, pub_date).encode()


@dataclass
class Answer:
    """What the server answers on a path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    delay: float = 0.0
    etag: str | None = None
    location: str | None = None  # a redirect's target
    hang_up: bool = False  # close the connection without answering


@dataclass
class FeedServer:
    """Serves `answers[path]` on 127.0.0.1 and counts the requests per path."""

    port: int = 0
    answers: dict[str, Answer] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    conditional_hits: int = 0
    hosts: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        """The feed's URL."""
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes = b"", **kwargs: object) -> str:
        """Answer this path with this body (and status, delay, etag ...); return its URL."""
        self.answers[path] = Answer(body=body, **kwargs)  # type: ignore[arg-type]
        return self.url(path)


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    """A feed server in a thread, stopped afterwards."""
    state = FeedServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits[self.path] = state.hits.get(self.path, 0) + 1
            state.hosts.append(self.headers.get("Host", ""))
            answer = state.answers.get(self.path, Answer(b"not here", 404, "text/plain"))
            if answer.delay:
                time.sleep(answer.delay)
            if answer.etag and self.headers.get("If-None-Match") == answer.etag:
                state.conditional_hits += 1
                self.send_response(304)
                self.end_headers()
                return
            if answer.hang_up:
                self.close_connection = True
                self.connection.close()
                return
            try:
                self.send_response(answer.status)
                if answer.location:
                    self.send_header("Location", answer.location)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                if answer.etag:
                    self.send_header("ETag", answer.etag)
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers, computed independently of the library the server uses."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
        "content-type": "application/json",
    }
