"""The floor every read is measured against: a bare FastAPI app, served in its own uvicorn process."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, bool]:
    """The cheapest answer FastAPI gives."""
    return {"ok": True}
