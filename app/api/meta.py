"""The API root: where the documentation is."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["meta"])


@router.get("/", name="api_root", include_in_schema=False)
async def api_root() -> dict[str, str]:
    """Point to the OpenAPI document and the human docs."""
    return {"openapi": "/api/v1/openapi.json", "docs": "/api/docs"}
