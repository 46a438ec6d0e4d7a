"""Errors a person can act on: each names the file, the record and the field it is about."""

from __future__ import annotations


class InitiativesError(Exception):
    """Base class for errors the command line reports as one line (exit code 2)."""


class InputError(InitiativesError):
    """Bad input: names where it is (file, line or record) and which field is wrong."""

    def __init__(self, message: str, *, file: str | None = None, record: str | None = None,
                 field: str | None = None, line: int | None = None) -> None:
        self.file, self.record, self.field, self.line, self.detail = file, record, field, line, message
        where = [p for p in (
            file and (f"{file}:{line}" if line else file),
            record and f"record {record}",
            field and f"field {field!r}",
        ) if p]
        super().__init__(": ".join([*where, message]))


class NotFound(InitiativesError):
    pass


class StaleVersion(InitiativesError):
    """An edit was based on an older version of the record than the one stored."""

    def __init__(self, entity_id: int, expected: int, actual: int) -> None:
        self.entity_id, self.expected, self.actual = entity_id, expected, actual
        super().__init__(f"record #{entity_id} is at version {actual}, the edit was based on version {expected}")


def describe_validation_error(exc: Exception) -> tuple[str | None, str]:
    """Turn a pydantic ValidationError into (field path, message) for its first problem."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return None, str(exc)
    first = errors()[0]
    loc = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__") or None
    msg = str(first.get("msg", exc)).removeprefix("Value error, ")
    return loc, msg
