"""Every error the API gives is JSON `{"error": message, "field": name-or-null}` with a 4xx/5xx status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from initiatives.errors import InitiativesError, InputError, NotFound, StaleVersion
from initiatives.web.auth import AuthError
from initiatives.search.embeddings import SemanticUnavailable
from initiatives.web.services import ServiceUnavailable


class PreconditionFailed(InitiativesError):
    """If-Match named an older version (412), or a write came with no version at all (428)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


class PayloadTooLarge(InitiativesError):
    def __init__(self, message: str, field: str = "files") -> None:
        self.field = field
        super().__init__(message)


class UnsupportedType(InitiativesError):
    def __init__(self, message: str, field: str = "files") -> None:
        self.field = field
        super().__init__(message)


def error(status: int, message: str, field: str | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, "field": field, **extra}, status_code=status)


def _page(request: Request, status: int, message: str) -> Response:
    from initiatives.web.pages import render

    return render(request, "error.html", status_code=status, status=status, message=message)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _loc(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or ("body" if loc and loc[0] == "body" else None)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0]
        kind = first.get("type", "")
        field = _loc(tuple(first.get("loc", ())))
        msg = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if kind == "json_invalid":
            msg = f"malformed JSON: {first.get('ctx', {}).get('error', msg)}"
            field = "body"
        elif kind == "extra_forbidden":
            msg = f"unknown field {field!r}"
        elif kind == "missing":
            msg = f"field {field!r} is required"
        if _wants_html(request):
            return _page(request, 422, f"{field}: {msg}" if field else msg)
        return error(422, msg, field)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        return error(422, exc.detail if exc.field else str(exc), exc.field)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        if _wants_html(request):
            return _page(request, 404, str(exc))
        return error(404, str(exc))

    @app.exception_handler(StaleVersion)
    async def _stale(request: Request, exc: StaleVersion) -> Response:
        return error(409, str(exc), "version", current_version=exc.actual)

    @app.exception_handler(PreconditionFailed)
    async def _precondition(request: Request, exc: PreconditionFailed) -> Response:
        return error(exc.status, str(exc), "If-Match")

    @app.exception_handler(PayloadTooLarge)
    async def _too_large(request: Request, exc: PayloadTooLarge) -> Response:
        return error(413, str(exc), exc.field)

    @app.exception_handler(UnsupportedType)
    async def _unsupported(request: Request, exc: UnsupportedType) -> Response:
        return error(415, str(exc), exc.field)

    @app.exception_handler(SemanticUnavailable)
    async def _no_model(request: Request, exc: SemanticUnavailable) -> Response:
        return error(503, str(exc), None, service="semantic search")

    @app.exception_handler(ServiceUnavailable)
    async def _unavailable(request: Request, exc: ServiceUnavailable) -> Response:
        return error(503, str(exc), None, service=exc.service)

    @app.exception_handler(AuthError)
    async def _auth(request: Request, exc: AuthError) -> Response:
        if _wants_html(request) and exc.status == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if _wants_html(request):
            return _page(request, exc.status, str(exc))
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        resp = error(exc.status, str(exc))
        if headers:
            resp.headers.update(headers)
        return resp

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_html(request):
            return _page(request, exc.status_code, str(exc.detail))
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> Response:
        return error(422, "a number is out of range", None)

    @app.exception_handler(InitiativesError)
    async def _other(request: Request, exc: InitiativesError) -> Response:
        return error(400, str(exc))
