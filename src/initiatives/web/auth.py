"""Who is asking: a session cookie (pages), a bearer API token (scripts) or nobody (anonymous read).

Roles are ordered viewer < editor < reviewer < admin; each can do what the roles before it can.
Forms and cookie-authenticated API writes must carry the session's CSRF token (form field `csrf_token` or
header `X-CSRF-Token`); bearer-token requests carry no cookie, so CSRF does not apply to them.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from initiatives.errors import InitiativesError
from initiatives.store.users import User, Users

ANONYMOUS_CACHE_SECONDS = 2.0
# Declares the bearer scheme in OpenAPI (Swagger's "Authorize"); the header itself is read in current_user.
_BEARER = HTTPBearer(auto_error=False, description="An API token: `initiatives user token NAME`, or POST /api/v1/me/tokens")


class AuthError(InitiativesError):
    """401 (not signed in) or 403 (signed in, but the role is too low, or a bad CSRF token)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


def users(request: Request) -> Users:
    return request.app.state.users


def anonymous_read(request: Request) -> bool:
    """The admin's "anonymous read" setting, cached briefly so reads cost no query each."""
    state = request.app.state
    now = time.monotonic()
    cached = getattr(state, "_anon_cache", None)
    if cached is None or now - cached[0] > ANONYMOUS_CACHE_SECONDS:
        cached = (now, bool(state.users.setting("anonymous_read")))
        state._anon_cache = cached
    return cached[1]


def forget_anonymous_setting(request: Request) -> None:
    request.app.state._anon_cache = None


def current_user(request: Request) -> User | None:
    if "user" in request.scope.get("state", {}):
        return request.state.user
    user: User | None = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = users(request).user_for_token(header[7:].strip())
        if user is None:
            raise AuthError(401, "invalid API token")
        request.state.via_token = True
    elif "session" in request.scope:
        uid = request.session.get("uid")
        if uid is not None:
            user = users(request).get(int(uid))
            if user is None:
                request.session.clear()
    request.state.user = user
    return user


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    if getattr(request.state, "via_token", False):
        return
    expected = request.session.get("csrf") if "session" in request.scope else None
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise AuthError(403, "missing or wrong CSRF token; reload the page and try again")


def require(role: str | None) -> Any:
    """A dependency: the user if they hold `role` (None: anyone may read, if anonymous read is on)."""

    # async: runs on the event loop (its lookups are one indexed row, or none for an anonymous read),
    # which saves a thread-pool hop on every request
    async def dependency(request: Request,
                         _token: HTTPAuthorizationCredentials | None = Depends(_BEARER)) -> User | None:
        user = current_user(request)
        if role is None:
            if user is None and not anonymous_read(request):
                raise AuthError(401, "sign in to read this registry (anonymous read is off)")
            return user
        if user is None:
            raise AuthError(401, f"sign in as {role} or above to do this")
        if not user.can(role):
            raise AuthError(403, f"this needs the {role} role; {user.name} is {user.role}")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            check_csrf(request, request.headers.get("x-csrf-token"))
        return user

    return Depends(dependency)


def author(user: User | None) -> str:
    return user.name if user else "anonymous"
