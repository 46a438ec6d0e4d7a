"""The REST API under /api/v1."""

from fastapi import APIRouter

from initiatives.web.api import admin, exports, records, review

router = APIRouter(prefix="/api/v1")
for _module in (records, review, exports, admin):
    router.include_router(_module.router)
