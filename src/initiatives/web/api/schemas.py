"""Request bodies. Unknown fields are refused (422 naming the field); values are checked by the records."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from initiatives.model import FindingStatus, Kind, OrgType, Role, Status


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartnerIn(_In):
    name: str = Field(min_length=1)
    role: Role = "partner"
    type: OrgType = "unknown"
    acronym: str | None = None


class MoneyIn(_In):
    amount: float | int | str
    currency: str = "USD"


class SpanIn(_In):
    document: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str | None = None


class InitiativeFields(_In):
    kind: Kind | None = None
    code: str | None = None
    title: str | None = None
    summary: str | None = None
    status: Status | None = None
    start: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")
    end: str | None = Field(default=None, description="YYYY, YYYY-MM or YYYY-MM-DD")
    countries: list[str] | None = Field(default=None, description="ISO 3166-1 alpha-3 codes")
    country_groups: list[str] | None = None
    partners: list[PartnerIn] | None = None
    budget: MoneyIn | None = None
    funding_source: str | None = None
    sdgs: list[int] | None = None
    themes: list[str] | None = None
    date_announced: str | None = None
    location: str | None = None
    lead_unit: str | None = None
    region: str | None = None
    comments: list[str] | None = None
    sources: dict[str, list[SpanIn]] | None = None
    source_document: str | None = None
    source_lines: tuple[int, int] | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent, as plain data."""
        return {k: v for k, v in self.model_dump(mode="json").items() if k in self.model_fields_set}


class InitiativeCreate(InitiativeFields):
    kind: Kind = "project"


class InitiativePatch(InitiativeFields):
    version: int | None = Field(default=None, description="the version the edit is based on (or send If-Match)")
    reason: str | None = Field(default=None, description="why; kept in the history")


class FindingUpdate(_In):
    status: FindingStatus
    comment: str | None = None


class BulkFindingUpdate(_In):
    ids: list[int] = Field(min_length=1)
    status: FindingStatus
    comment: str | None = None


class UserCreate(_In):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8)
    role: str = "viewer"


class UserUpdate(_In):
    role: str | None = None
    password: str | None = Field(default=None, min_length=8)


class TokenCreate(_In):
    label: str = ""


class SettingsUpdate(_In):
    anonymous_read: bool | None = None
