"""Which reader takes which file: by extension, then by a look at the content."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from initiatives.errors import InputError
from initiatives.model import Batch, Finding, Initiative, Organization

if TYPE_CHECKING:
    from initiatives.store import InitiativeQuery, Store
    from initiatives.store.repository import SaveSummary

Reader = Callable[[Path], Batch]


def _registry_json(path: Path) -> Batch:
    from initiatives.interop import registry_json

    return registry_json.read(path)


def _json(path: Path) -> Batch:
    """Registry JSON (gold shape) or a DPG nominee record, told apart by their keys."""
    from initiatives.interop import dpg

    if dpg.looks_like_nominee(path):
        return dpg.read(path)
    return _registry_json(path)


def _iati(path: Path) -> Batch:
    from initiatives.interop.iati import reader

    return reader.read(path)


def _tabular(path: Path) -> Batch:
    from initiatives.interop import tabular

    return tabular.read(path)


# extension -> reader; later formats (IATI XML, DPG JSON, CSV/XLSX) add themselves here
READERS: dict[str, Reader] = {
    ".json": _json,
    ".xml": _iati,
    ".csv": _tabular,
    ".xlsx": _tabular,
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


def _iati_stream(store: Store, path: Path, author: str, reason: str | None) -> tuple[SaveSummary, int]:
    from initiatives.interop.iati import importer

    result = importer.import_file(store, path, author=author, reason=reason)
    return result.summary, result.findings


# extension -> importer that streams into the store (memory flat in the number of records); use for big files
STREAM_IMPORTERS: dict[str, Callable[[Store, Path, str, str | None], tuple[SaveSummary, int]]] = {
    ".xml": _iati_stream,
}


def import_file(store: Store, path: Path, *, author: str, reason: str | None = None) -> tuple[SaveSummary, int]:
    """Read a file and save it in one transaction (streaming where the format allows);
    returns the save summary and the number of findings inside its records."""
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    stream = STREAM_IMPORTERS.get(path.suffix.lower())
    if stream is not None:
        return stream(store, path, author, reason)
    batch = read(path)
    return store.save_batch(batch, author=author, reason=reason), len(batch.findings)


# ------------------------------------------------------------------------------------------------ writers


@dataclass
class Selection:
    """What an export writes: some records, and the organisations and findings that belong to them."""

    initiatives: list[Initiative]
    organizations: list[Organization] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # IATI: who publishes the records that did not come from IATI ({"ref", "name", "type"}); see reporting_org
    reporting_org: dict[str, str] | None = None
    # where the records are stored: an IATI export reads the elements imported activities left in their
    # document from there (`iati.kept.restore`)
    store: Store | None = None


def reporting_org(value: str) -> dict[str, str]:
    """`REF[:NAME[:TYPE]]` (an IATI organisation identifier, the publisher's name, its OrganisationType code)
    as the IATI writer's reporting organisation."""
    from initiatives.interop.iati import codelists

    ref, _, rest = value.strip().partition(":")
    name, _, otype = rest.partition(":")
    ref, name, otype = ref.strip(), name.strip(), otype.strip() or "90"
    if not ref or any(c.isspace() for c in ref) or "/" in ref:
        raise InputError(f"reporting organisation {value!r}: REF must be an IATI organisation identifier "
                         "(no spaces or slashes), e.g. GB-CHC-123456:Our charity", field="--reporting-org")
    if not codelists.is_code("OrganisationType", otype):
        raise InputError(f"reporting organisation {value!r}: type {otype!r} is not in the IATI OrganisationType "
                         "codelist", field="--reporting-org")
    return {"ref": ref, "name": name or ref, "type": otype}


Writer = Callable[[Selection, IO[str]], None]


def select(store: Store, q: InitiativeQuery, *, filtered: bool) -> Selection:
    """The records a query selects, with their organisations and findings (all of them when unfiltered)."""
    records = store.list_initiatives(q)
    if not filtered:
        return Selection(records, store.organizations(), store.findings(), store=store)
    ids = {r.id for r in records}
    org_ids = {p.organization_id for r in records for p in r.partners}
    orgs = [o for o in store.organizations() if o.id in org_ids]
    findings = [f for f in store.findings() if ids & set(f.initiative_ids)]
    return Selection(records, orgs, findings, store=store)


def _write_json(sel: Selection, out: IO[str]) -> None:
    from initiatives.interop import registry_json

    json.dump(registry_json.export(sel.initiatives, sel.organizations, sel.findings), out, ensure_ascii=False,
              indent=2)
    out.write("\n")


def _write_csv(sel: Selection, out: IO[str]) -> None:
    from initiatives.interop import tabular

    tabular.write_csv(sel.initiatives, out)


def _write_iati(sel: Selection, out: IO[str]) -> None:
    from initiatives.interop.iati import kept, writer

    records = kept.restore(sel.store, sel.initiatives) if sel.store is not None else sel.initiatives
    writer.write(records, out, reporting_org=sel.reporting_org)


def _write_dpg(sel: Selection, out: IO[str]) -> None:
    from initiatives.interop import dpg

    dpg.write(sel.initiatives, out, organizations=sel.organizations)


def _write_xlsx(sel: Selection, out: IO[str]) -> None:
    from initiatives.interop import tabular

    tabular.write_xlsx(sel.initiatives, out)


# format name -> writer; later formats (iati, dpg, xlsx) add themselves here
WRITERS: dict[str, Writer] = {
    "json": _write_json,
    "csv": _write_csv,
    "iati": _write_iati,
    "dpg": _write_dpg,
    "xlsx": _write_xlsx,
}


# Formats that are not text: the command line writes them only to a file.
BINARY_FORMATS = frozenset({"xlsx"})


def writer_for(name: str) -> Writer:
    if name not in WRITERS:
        raise InputError(f"unknown format {name!r} (one of {', '.join(WRITERS)})", field="--format")
    return WRITERS[name]
