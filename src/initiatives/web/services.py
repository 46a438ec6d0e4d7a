"""Seams to the ingest and audit engines, which live in other packages and are imported lazily.

If a package is not installed (or does not offer the entry point yet) the caller gets `ServiceUnavailable`,
which the API answers with 503 and a JSON error, instead of failing at import time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from initiatives.errors import InitiativesError
from initiatives.interop import formats
from initiatives.store import Store


class ServiceUnavailable(InitiativesError):
    def __init__(self, service: str, detail: str) -> None:
        self.service = service
        super().__init__(f"{service} is not installed: {detail}")


@dataclass
class FileSummary:
    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    documents: int = 0
    organizations: int = 0
    findings: int = 0
    initiative_ids: list[int] = field(default_factory=list)
    error: str | None = None


def _extractor() -> Any | None:
    """`extract(path) -> Batch` from the ingest package (`initiatives.ingest` or its `pipeline`), if there."""
    for name in ("initiatives.ingest", "initiatives.ingest.pipeline"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if callable(getattr(module, "extract", None)):
            return module.extract
    return None


# Document types the ingest engine reads (its own SUFFIXES, when it declares them, win).
DOCUMENT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".csv", ".xlsx", ".xml")


def document_suffixes() -> set[str]:
    module = importlib.import_module("initiatives.ingest") if _extractor() is not None else None
    return set(getattr(module, "SUFFIXES", DOCUMENT_SUFFIXES))


def supported_suffixes() -> set[str]:
    """File types an upload may carry: structured formats always, documents when ingest is installed."""
    suffixes = set(formats.READERS)
    if _extractor() is not None:
        suffixes |= document_suffixes()
    return suffixes


def check_suffix(name: str, allowed: set[str]) -> str | None:
    """None when `name` may be uploaded; raises ServiceUnavailable for a document type while ingest is missing;
    else returns the refused suffix."""
    from pathlib import PurePath

    suffix = PurePath(name).suffix.lower()
    if suffix in allowed:
        return None
    if suffix in DOCUMENT_SUFFIXES and _extractor() is None:
        raise ServiceUnavailable("ingest", f"{name}: reading {suffix} documents needs initiatives.ingest.extract")
    return suffix or "(none)"


def _stream_upload(store: Store, path: Path, name: str, summary: FileSummary, *, author: str) -> FileSummary:
    """Import a large structured upload the way `initiatives import` does (streaming, memory flat in its size),
    then give its document the name the person uploaded instead of the temporary path."""
    from sqlalchemy import func, select, update

    from initiatives.store.tables import DocumentRow, ParticipationRow

    saved, findings = formats.import_file(store, path, author=author, reason=f"upload {name}")
    ids = list(saved.initiative_ids)
    orgs: set[int] = set()
    with store.transaction() as s:
        s.execute(update(DocumentRow).where(DocumentRow.path == str(path)).values(path=name))
        for i in range(0, len(ids), 500):
            orgs.update(s.scalars(select(func.distinct(ParticipationRow.organization_id))
                                  .where(ParticipationRow.initiative_id.in_(ids[i:i + 500]))))
    summary.created, summary.updated, summary.unchanged = saved.created, saved.updated, saved.unchanged
    summary.initiative_ids = ids
    summary.documents, summary.organizations, summary.findings = 1, len(orgs - {None}), findings
    return summary


def ingest_files(store: Store, paths: list[Path], *, author: str, names: list[str] | None = None) -> list[FileSummary]:
    """Read and store each file in its own transaction; a bad file is reported and stores nothing."""
    extract = _extractor()
    out: list[FileSummary] = []
    for i, path in enumerate(paths):
        name = names[i] if names else path.name
        summary = FileSummary(file=name)
        try:
            if path.suffix.lower() in formats.STREAM_IMPORTERS:  # IATI XML: streamed, the text kept in pieces
                out.append(_stream_upload(store, path, name, summary, author=author))
                continue
            if path.suffix.lower() in formats.READERS:  # structured registry formats first
                batch = formats.read(path)
            elif extract is not None:
                batch = extract(path)
            else:
                raise ServiceUnavailable("ingest", "initiatives.ingest.extract is missing; only "
                                         + ", ".join(sorted(formats.READERS)) + " files can be read")
            for doc in batch.documents:
                if doc.path == str(path):
                    doc.path = name  # keep the name the person uploaded, not the temporary path
            saved = store.save_batch(batch, author=author, reason=f"upload {name}")
        except ServiceUnavailable:
            raise
        except InitiativesError as exc:
            summary.error = str(exc).replace(str(path), name)
            out.append(summary)
            continue
        summary.created, summary.updated, summary.unchanged = saved.created, saved.updated, saved.unchanged
        summary.initiative_ids = saved.initiative_ids
        summary.documents = len(batch.documents)
        summary.organizations = len(batch.organizations)
        summary.findings = len(batch.findings)
        out.append(summary)
    if any(f.created or f.updated for f in out):
        from initiatives.search.semantic import INTERACTIVE_LIMIT, refresh_if_available

        refresh_if_available(store, max_pending=INTERACTIVE_LIMIT)  # the new records are findable by meaning at once
    return out


def run_audit(store: Store) -> dict[str, Any]:
    """Run every audit rule over the registry and store the findings (`Store.save_audit`); returns the
    save summary. Uses `initiatives.audit.run_audit(store)` if the package offers one, else its
    `runner.run(records, documents)`."""
    from dataclasses import asdict, is_dataclass

    try:
        package = importlib.import_module("initiatives.audit")
    except ImportError as exc:
        raise ServiceUnavailable("audit", str(exc)) from None
    whole = getattr(package, "run_audit", None)
    if callable(whole):
        result = whole(store)
        return asdict(result) if is_dataclass(result) else dict(result)
    try:
        runner = importlib.import_module("initiatives.audit.runner")
    except ImportError:
        raise ServiceUnavailable("audit", "initiatives.audit.runner is missing") from None
    from initiatives.audit.documents import from_store

    documents, pieces = from_store(store)
    result = runner.run(list(store.iter_initiatives(scalar_extras=True)), documents, pieces=pieces)
    summary = store.save_audit(result.findings, rules_run=result.rules_run)
    return {**asdict(summary), "rules_run": len(result.rules_run), "errors": len(getattr(result, "errors", []))}
