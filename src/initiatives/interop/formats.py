"""Which reader takes which file: by extension, then by a look at the content."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from initiatives.errors import InputError
from initiatives.model import Batch

Reader = Callable[[Path], Batch]


def _registry_json(path: Path) -> Batch:
    from initiatives.interop import registry_json

    return registry_json.read(path)


# extension -> reader; later formats (IATI XML, DPG JSON, CSV/XLSX) add themselves here
READERS: dict[str, Reader] = {
    ".json": _registry_json,
}


def reader_for(path: Path) -> Reader:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise InputError(f"unsupported file type {path.suffix or '(none)'!r} (import reads {known})", file=str(path))
    return reader


def read(path: Path) -> Batch:
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    return reader_for(path)(path)
