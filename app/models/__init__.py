"""Tables and API schemas, one module per resource. Importing this registers every table."""

from app.models import audit, common, idempotency, identity

__all__ = ["audit", "common", "idempotency", "identity"]
