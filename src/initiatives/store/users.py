"""Users, roles, API tokens and site settings for the web app.

Passwords are hashed with argon2 (`argon2-cffi`); API tokens are random and only their sha256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from initiatives.errors import InputError, NotFound
from initiatives.store.repository import Store
from initiatives.store.tables import ApiTokenRow, SettingRow, UserRow, utcnow

# Each role can do everything the roles before it can.
ROLES: tuple[str, ...] = ("viewer", "editor", "reviewer", "admin")
DEFAULT_SETTINGS: dict[str, Any] = {"anonymous_read": True}

_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this user's role is `role` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


def _user(row: UserRow) -> User:
    return User(id=row.id, name=row.name, role=row.role)


class Users:
    """Users, tokens and settings kept in the registry's own database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, name: str, password: str, role: str = "viewer") -> User:
        name = name.strip()
        if not name:
            raise InputError("a user needs a name", field="name")
        if role not in ROLES:
            raise InputError(f"unknown role {role!r} (one of {', '.join(ROLES)})", field="role")
        if len(password) < 8:
            raise InputError("a password needs at least 8 characters", field="password")
        with self.store.transaction() as s:
            if s.scalar(select(UserRow).where(UserRow.name == name)) is not None:
                raise InputError(f"user {name!r} already exists", field="name")
            row = UserRow(name=name, role=role, password_hash=_hasher.hash(password), active=True)
            s.add(row)
            s.flush()
            return _user(row)

    def set_role(self, name: str, role: str) -> User:
        if role not in ROLES:
            raise InputError(f"unknown role {role!r} (one of {', '.join(ROLES)})", field="role")
        with self.store.transaction() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise NotFound(f"no user {name!r}")
            row.role = role
            return _user(row)

    def set_password(self, name: str, password: str) -> None:
        if len(password) < 8:
            raise InputError("a password needs at least 8 characters", field="password")
        with self.store.transaction() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise NotFound(f"no user {name!r}")
            row.password_hash = _hasher.hash(password)

    def remove(self, name: str) -> None:
        with self.store.transaction() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise NotFound(f"no user {name!r}")
            s.delete(row)

    def all(self) -> list[User]:
        with self.store.transaction() as s:
            return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.name))]

    def get(self, user_id: int) -> User | None:
        with self.store.transaction() as s:
            row = s.get(UserRow, user_id)
            return _user(row) if row is not None and row.active else None

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when name and password match, else None (same answer for unknown name and bad password)."""
        with self.store.transaction() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name.strip()))
            if row is None or not row.active:
                _hasher.hash(password)  # spend the same time as a real check
                return None
            try:
                _hasher.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                return None
            if _hasher.check_needs_rehash(row.password_hash):
                row.password_hash = _hasher.hash(password)
            return _user(row)

    # ------------------------------------------------------------------ API tokens

    def new_token(self, name: str, label: str = "") -> str:
        """Create an API token for a user; the token is shown once, only its hash is kept."""
        token = "ini_" + secrets.token_urlsafe(32)
        with self.store.transaction() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                raise NotFound(f"no user {name!r}")
            s.add(ApiTokenRow(user_id=row.id, token_sha256=_sha(token), label=label))
        return token

    def user_for_token(self, token: str) -> User | None:
        with self.store.transaction() as s:
            tok = s.scalar(select(ApiTokenRow).where(ApiTokenRow.token_sha256 == _sha(token)))
            if tok is None:
                return None
            row = s.get(UserRow, tok.user_id)
            if row is None or not row.active:
                return None
            tok.last_used_at = utcnow()
            return _user(row)

    # ------------------------------------------------------------------ settings

    def setting(self, key: str) -> Any:
        with self.store.transaction() as s:
            row = s.get(SettingRow, key)
            return row.value if row is not None else DEFAULT_SETTINGS.get(key)

    def set_setting(self, key: str, value: Any) -> None:
        with self.store.transaction() as s:
            row = s.get(SettingRow, key)
            if row is None:
                s.add(SettingRow(key=key, value=value))
            else:
                row.value = value


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
