"""One error hierarchy, rendered as RFC 9457 problem+json by one set of handlers."""

from __future__ import annotations

from typing import Any

PROBLEM_TYPE_BASE = "https://contest-hub.example/problems/"
PROBLEM_JSON = "application/problem+json"
SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-failed",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal-error",
    503: "service-unavailable",
}
"""One problem `type` per kind of problem: whoever raises a status without naming its kind gets the status's."""


class AppError(Exception):
    """A failure the client can act on; carries its HTTP status."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        """The problem+json body of this error."""
        return problem_body(self.status, self.title, self.detail, slug=self.slug, errors=self.errors, instance=instance)


class Unauthorized(AppError):
    status, title, slug = 401, "Not authenticated", "unauthorized"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(
            detail or "A valid bearer token is required.",
            headers={"WWW-Authenticate": 'Bearer realm="contest-hub"'},
        )


class Forbidden(AppError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(AppError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(AppError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(AppError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "The record has changed since you read it; fetch it again (If-Match is stale).")


class PreconditionRequired(AppError):
    status, title, slug = 428, "Precondition required", "precondition-required"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or "Send If-Match with the ETag you last read, so no change is silently lost.")


class Unprocessable(AppError):
    status, title, slug = 422, "Validation failed", "validation-failed"

    @classmethod
    def field(cls, field: str, message: str) -> Unprocessable:
        """A validation failure of one named field."""
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


class NotAcceptable(AppError):
    status, title, slug = 406, "Not acceptable", "not-acceptable"


class UnsupportedMediaType(AppError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class TooManyRequests(AppError):
    status, title, slug = 429, "Too many requests", "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})


class ServiceUnavailable(AppError):
    """The database is down, hung or overloaded: try again shortly."""

    status, title, slug = 503, "Service unavailable", "service-unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(
            detail or "The service cannot reach its database just now; try again in a few seconds.",
            headers={"Retry-After": str(max(1, retry_after))},
        )


def problem_body(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[dict[str, str]] | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """Build a problem+json document."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (slug or SLUGS.get(status, str(status))),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return body
