"""The baseline of the CPU figures: the least a FastAPI app on uvicorn can do per request.

    .venv/bin/python -m uvicorn bare_app:app --app-dir bench --workers 1 --no-access-log

`GET /` answers `{"ok": true}`. `bench/cpu.py` serves it from the same virtualenv as kyvs
(same uvicorn, uvloop and httptools; access log off) and drives it with `wrk`.
"""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/")
async def root() -> dict[str, bool]:
    return {"ok": True}
