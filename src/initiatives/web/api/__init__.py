"""The REST API under /api/v1."""

from fastapi import APIRouter

from initiatives.web.api import admin, exports, records, review, search

router = APIRouter(prefix="/api/v1")
for _module in (records, review, exports, admin, search):
    router.include_router(_module.router)
