"""`initiatives ingest PATH...`: read documents into records, one transaction per document."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from initiatives.cli import app
from initiatives.cli._context import DB_OPTION, default_author, open_store
from initiatives.errors import InitiativesError, InputError
from initiatives.ingest.pipeline import extract
from initiatives.ingest.readers import supported
from initiatives.model import Batch
from initiatives.store import Store
from initiatives.store.repository import document_key, natural_key
from initiatives.store.tables import DocumentRow, InitiativeRow

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


@dataclass
class IngestSummary:
    documents: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    missing: int = 0  # records stored from an earlier version of a document that it no longer describes
    errors: list[str] = field(default_factory=list)


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, Path | None]]:
    """Files to read, in a stable order: (path, the folder it was found under, or None when the file was
    named explicitly). Folders are walked recursively; hidden files and folders are skipped."""
    for p in paths:
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name, p
        else:
            yield p, None


def distinct_keys(files: list[tuple[Path, Path | None]]) -> dict[Path, str]:
    """Document keys for files that would otherwise share one: a file at the top of its folder (or named on its
    own) is keyed by its bare name, so `ingest east west` with `east/report.txt` and `west/report.txt` would
    give both "report.txt". Those get their path under the folder the colliding files have in common
    ("east/report.txt"), which stays unique however the folders are named. Other files keep their key."""
    by_name: dict[str, list[Path]] = {}
    for path, root in files:
        if root is None or path.parent == root:
            by_name.setdefault(path.name, []).append(path)
    out: dict[Path, str] = {}
    for name, paths in by_name.items():
        resolved = {p: p.resolve() for p in paths}
        if len(set(resolved.values())) < 2:
            continue
        common = Path(os.path.commonpath([str(r) for r in resolved.values()]))
        for p, r in resolved.items():
            out[p] = r.relative_to(common).as_posix()
    return out


def ingest_paths(store: Store, paths: list[Path], *, author: str, progress: Progress | None = None,
                 on_error=None) -> IngestSummary:  # type: ignore[no-untyped-def]
    """Ingest every document under the paths; a bad file is reported and counted, never fatal."""
    summary = IngestSummary()
    files = list(iter_files(paths))  # paths only: thousands of files cost little memory
    keys = distinct_keys(files)
    task = progress.add_task("ingest", total=len(files), rate="") if progress else None
    started = time.perf_counter()
    for path, root in files:
        if root is not None and not supported(path):
            summary.skipped += 1
            if progress is not None and task is not None:
                progress.update(task, advance=1)
            continue
        summary.documents += 1
        try:
            batch = extract(path, root, keys.get(path))
            saved = store.save_batch(batch, author=author, reason=f"ingest {path.name}")
            summary.missing += _missing(store, batch)
        except InitiativesError as exc:
            _fail(summary, str(exc), on_error)
        except (OSError, ValueError, RecursionError, MemoryError) as exc:  # never a traceback for one bad file
            _fail(summary, f"{path}: cannot ingest ({exc.__class__.__name__}: {exc})", on_error)
        except Exception as exc:  # noqa: BLE001 - a bug on one odd file must not stop a run over thousands
            _fail(summary, f"{path}: internal error while ingesting ({exc.__class__.__name__}: {exc}); "
                           "please report it with the file", on_error)
        else:
            summary.created += saved.created
            summary.updated += saved.updated
            summary.unchanged += saved.unchanged
        if progress is not None and task is not None:
            elapsed = max(time.perf_counter() - started, 1e-9)
            progress.update(task, advance=1, rate=f"{summary.documents / elapsed:.1f} docs/s",
                            description=escape(path.name[:40]))
    return summary


def _fail(summary: IngestSummary, message: str, on_error) -> None:  # type: ignore[no-untyped-def]
    summary.failed += 1
    summary.errors.append(message)
    if on_error:
        on_error(message)


def _missing(store: Store, batch: Batch) -> int:
    """Records stored from this document's earlier version that the new version no longer contains.

    They are kept (nothing is deleted by an ingest); the count tells the user to review them. Only the
    stored keys are read, not the records."""
    if not batch.documents:
        return 0
    name = batch.documents[0].name
    doc_key = next((document_key(r) for r in batch.initiatives), name)
    keys = {natural_key(r) for r in batch.initiatives}
    with store.transaction() as s:
        docs = select(DocumentRow.id).where(DocumentRow.path.endswith(name, autoescape=True))
        rows = s.execute(select(InitiativeRow.natural_key, InitiativeRow.extras)  # by the indexed document id
                         .where(InitiativeRow.document_id.in_(docs), InitiativeRow.source_document == name)).all()
    return sum(1 for key, extras in rows
               if ((extras or {}).get("document_key") or name) == doc_key and key not in keys)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (read recursively): .txt .md .html .docx .pdf")],
    db: Annotated[str | None, DB_OPTION] = None,
    author: Annotated[str | None, typer.Option(help="Who the changes are attributed to")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar")] = False,
    embed: Annotated[bool, typer.Option("--embed/--no-embed",
                                        help="Embed new and changed records for semantic search at the end "
                                             "(when the model is installed). By default they wait: `initiatives "
                                             "serve` makes them in the background, `initiatives embed` now")] = False,
) -> None:
    """Turn documents into records with provenance. Re-ingesting the same file changes nothing."""
    store = open_store(db)
    for p in paths:
        if not p.exists():
            raise InputError("no such file or folder", file=str(p))
    def report(message: str) -> None:
        err.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=err, transient=True,
                        disable=quiet)
    with progress:
        summary = ingest_paths(store, paths, author=author or default_author(), progress=progress,
                               on_error=report)
    line = (f"{summary.documents} documents: {summary.created} records created, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.failed} failed")
    if summary.skipped:
        line += f", {summary.skipped} files skipped (not a document type)"
    out.print(line, soft_wrap=True)
    if summary.missing:
        out.print(f"{summary.missing} stored record(s) are no longer in their re-ingested document; they were kept "
                  "(see docs/ingest.md)", soft_wrap=True)
    if summary.created or summary.updated:
        from initiatives.cli.search import vectors_after_write

        vectors_after_write(store, embed=embed, quiet=quiet)
    if summary.failed:
        raise typer.Exit(1)
