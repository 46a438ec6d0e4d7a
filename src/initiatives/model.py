"""The records of the registry and their value types: one place that says what an initiative is.

Every record validates at the edge (construction and assignment), so a value that reaches the store
is already an ISO 3166-1 alpha-3 country, an ISO 4217 (or crypto) currency, an SDG from 1 to 17 and a
date that keeps the precision it was written with.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from initiatives.reference import countries as _countries
from initiatives.reference import currencies as _currencies

Kind = Literal["project", "partnership", "pilot", "fund", "investment", "programme", "event", "product"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]

Status = Literal["planned", "ongoing", "completed", "suspended", "cancelled"]
STATUSES: tuple[str, ...] = Status.__args__  # type: ignore[attr-defined]

Role = Literal["funder", "implementer", "partner", "lead", "signatory", "beneficiary"]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]

OrgType = Literal[
    "un", "government", "academic", "private", "civil_society", "startup", "foundation", "multilateral", "unknown"
]
ORG_TYPES: tuple[str, ...] = OrgType.__args__  # type: ignore[attr-defined]

Severity = Literal["low", "medium", "high"]
SEVERITIES: tuple[str, ...] = Severity.__args__  # type: ignore[attr-defined]

FindingStatus = Literal["open", "acknowledged", "resolved", "waived"]
FINDING_STATUSES: tuple[str, ...] = FindingStatus.__args__  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- partial dates

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=False)
class PartialDate:
    """A calendar date known to the year, the month or the day: "June 2014" is not 2014-06-01."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year {self.year} is out of range")
        if self.month is None and self.day is not None:
            raise ValueError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is out of range")
        if self.day is not None:
            dt.date(self.year, self.month or 1, self.day)  # raises ValueError on 31 February

    @property
    def precision(self) -> Literal["year", "month", "day"]:
        return "day" if self.day is not None else "month" if self.month is not None else "year"

    @classmethod
    def parse(cls, value: Any) -> PartialDate:
        """Read "YYYY", "YYYY-MM", "YYYY-MM-DD" (or a date/datetime, taken to the day)."""
        if isinstance(value, PartialDate):
            return value
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return cls(value.year, value.month, value.day)
        if not isinstance(value, str):
            raise ValueError(f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
        text = value.strip()
        if len(text) >= 10 and "T" in text[10:11]:  # ISO datetime, e.g. from IATI
            text = text[:10]
        m = _DATE_RE.match(text)
        if not m:
            raise ValueError(f"{value!r} is not a date as YYYY, YYYY-MM or YYYY-MM-DD")
        y, mo, d = m.groups()
        try:
            return cls(int(y), int(mo) if mo else None, int(d) if d else None)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a real date ({exc})") from None

    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> dt.date:
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def __repr__(self) -> str:
        return f"PartialDate({str(self)!r})"


def _parse_optional_date(value: Any) -> PartialDate | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return PartialDate.parse(value)


DateValue = Annotated[
    PartialDate,
    BeforeValidator(PartialDate.parse),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}),
]


# --------------------------------------------------------------------------- codes


def _country(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 3166-1 alpha-3 country code, got {value!r}")
    code = value.strip().upper()
    if not _countries.is_alpha3(code):
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-3 country code")
    return code


def _currency(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 4217 or crypto currency code, got {value!r}")
    code = value.strip().upper()
    if not _currencies.is_known(code):
        raise ValueError(f"{value!r} is not an ISO 4217 or known crypto currency code")
    return code


def _sdg(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an SDG number")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not an SDG number (1-17)") from None
    if not 1 <= number <= 17:
        raise ValueError(f"SDG {number} does not exist (1-17)")
    return number


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, TypeError):
        raise ValueError(f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return amount


CountryCode = Annotated[str, BeforeValidator(_country)]
CurrencyCode = Annotated[str, BeforeValidator(_currency)]
SDG = Annotated[int, BeforeValidator(_sdg)]
Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    PlainSerializer(lambda d: int(d) if d == d.to_integral_value() else float(d), return_type=int | float),
]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)


# --------------------------------------------------------------------------- provenance


class Span(_Record):
    """Where a value came from: a document (by sha256) and a character range [start, end) of its text."""

    document: str = Field(description="sha256 of the source Document")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str | None = Field(default=None, description="the quoted text, for display")

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self


class Document(_Record):
    """A source document, kept whole so that every span can be shown in context."""

    id: int | None = None
    path: str = Field(description="file path or URL")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    media_type: str = "text/plain"
    text: str = ""
    title: str | None = None
    ingested_at: dt.datetime | None = None

    @property
    def name(self) -> str:
        """The file name, as exports call it (`source_document`)."""
        return re.split(r"[\\/]", self.path.rstrip("/\\"))[-1]


# --------------------------------------------------------------------------- records


class Money(_Record):
    amount: Amount
    currency: CurrencyCode = "USD"


class PartnerRef(_Record):
    """An organisation as an initiative names it, with its role; the store resolves it to an Organization."""

    name: str = Field(min_length=1)
    role: Role = "partner"
    type: OrgType = "unknown"
    acronym: str | None = None
    organization_id: int | None = None


class Organization(_Record):
    id: int | None = None
    name: str = Field(min_length=1)
    acronym: str | None = None
    aliases: list[str] = Field(default_factory=list)
    type: OrgType = "unknown"
    country: CountryCode | None = None


class Participation(_Record):
    initiative_id: int
    organization_id: int
    role: Role = "partner"


# Fields of an Initiative that carry a value a person can edit (and a source span).
INITIATIVE_FIELDS: tuple[str, ...] = (
    "kind", "code", "title", "summary", "status", "start", "end", "countries", "country_groups",
    "partners", "budget", "funding_source", "sdgs", "themes", "date_announced", "location",
    "lead_unit", "region", "comments",
)


class Initiative(_Record):
    """A project, partnership, pilot, fund, investment, programme, event or digital public good."""

    id: int | None = None
    kind: Kind = "project"
    code: str | None = None
    title: str | None = None
    summary: str | None = None
    status: Status | None = None
    start: DateValue | None = None
    end: DateValue | None = None
    countries: list[CountryCode] = Field(default_factory=list)
    country_groups: list[str] = Field(default_factory=list)
    partners: list[PartnerRef] = Field(default_factory=list)
    budget: Money | None = None
    funding_source: str | None = None
    sdgs: list[SDG] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)
    date_announced: DateValue | None = None
    location: str | None = None
    lead_unit: str | None = None
    region: str | None = None
    comments: list[str] = Field(default_factory=list)
    # provenance: field name -> spans in documents; plus where the whole record stands
    sources: dict[str, list[Span]] = Field(default_factory=dict)
    source_document: str | None = None
    source_lines: tuple[int, int] | None = None
    # format-specific data that has no core field (IATI identifiers, DPG licences, ...)
    extras: dict[str, Any] = Field(default_factory=dict)
    version: int = 1
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    @field_validator("start", "end", "date_announced", mode="before")
    @classmethod
    def _blank_date(cls, value: Any) -> Any:
        return _parse_optional_date(value)

    @field_validator("countries", "sdgs", mode="after")
    @classmethod
    def _unique_sorted_keep_order(cls, value: list[Any]) -> list[Any]:
        return list(dict.fromkeys(value))

    @field_validator("sources", mode="after")
    @classmethod
    def _known_fields(cls, value: dict[str, list[Span]]) -> dict[str, list[Span]]:
        unknown = set(value) - set(INITIATIVE_FIELDS)
        if unknown:
            raise ValueError(f"sources name unknown field(s): {', '.join(sorted(unknown))}")
        return value

    @field_validator("source_lines", mode="after")
    @classmethod
    def _line_range(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value is not None and not (1 <= value[0] <= value[1]):
            raise ValueError(f"source_lines {list(value)} must be [first, last] with 1 <= first <= last")
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> Initiative:
        if self.start and self.end and self.start.earliest() > self.end.latest():
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self

    @property
    def label(self) -> str:
        """How a person refers to the record: its code, else its title, else its id."""
        return self.code or self.title or (f"#{self.id}" if self.id else "untitled")

    @property
    def display_title(self) -> str:
        """A title to show: the title, else the start of the summary, else the label."""
        if self.title:
            return self.title
        if self.summary:
            words = self.summary.split()
            return " ".join(words[:14]) + (" …" if len(words) > 14 else "")
        return self.label


class Finding(_Record):
    """A data-quality problem found by an audit rule, and what a reviewer decided about it."""

    id: int | None = None
    rule: str = Field(min_length=1)
    severity: Severity = "medium"
    initiative_ids: list[int] = Field(default_factory=list)
    record: str = Field(default="", description="code or title of the record, as people name it")
    field: str | None = None
    message: str = Field(min_length=1)
    evidence: list[Span] = Field(default_factory=list)
    evidence_text: str = ""
    fingerprint: str = ""
    status: FindingStatus = "open"
    reviewer_flagged: bool = Field(default=False, description="the document's own Comment lines point at it")
    comment: str | None = None
    reviewer: str | None = None
    source_document: str | None = None
    source_lines: tuple[int, int] | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


class Revision(_Record):
    """One change to one field of a record: who, when, old and new value."""

    id: int | None = None
    entity: Literal["initiative", "organization", "finding"] = "initiative"
    entity_id: int
    field: str
    old: Any = None
    new: Any = None
    author: str
    at: dt.datetime
    reason: str | None = None


class Batch(BaseModel):
    """What a reader produces and the store saves in one transaction: all of it, or nothing."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    origin: str = Field(description="the file or URL the batch was read from")
    documents: list[Document] = Field(default_factory=list)
    initiatives: list[Initiative] = Field(default_factory=list)
    organizations: list[Organization] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
