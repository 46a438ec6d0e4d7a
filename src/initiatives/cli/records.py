"""Commands on records: init, import, list, show, edit, history, export."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from initiatives import model
from initiatives.cli import app
from initiatives.cli._context import DB_OPTION, default_author, open_store
from initiatives.edits import parse_assignment
from initiatives.errors import InitiativesError, InputError
from initiatives.interop import formats, registry_json
from initiatives.store import InitiativeQuery, Store


out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

Db = Annotated[str | None, DB_OPTION]
KindOpt = Annotated[str | None, typer.Option("--kind", help=f"One of: {', '.join(model.KINDS)}")]
CountryOpt = Annotated[str | None, typer.Option("--country", help="ISO 3166-1 alpha-3 code, e.g. BGD")]
StatusOpt = Annotated[str | None, typer.Option("--status", help=f"One of: {', '.join(model.STATUSES)}")]
SdgOpt = Annotated[int | None, typer.Option("--sdg", min=1, max=17, help="SDG goal number, 1-17")]
TextOpt = Annotated[str | None, typer.Option("--text", help="Words that must all appear in code, title or summary")]


def _query(kind: str | None, country: str | None, status: str | None, sdg: int | None, text: str | None,
           limit: int | None = None) -> InitiativeQuery:
    if kind and kind not in model.KINDS:
        raise InputError(f"unknown kind {kind!r} (one of {', '.join(model.KINDS)})", field="--kind")
    if status and status not in model.STATUSES:
        raise InputError(f"unknown status {status!r} (one of {', '.join(model.STATUSES)})", field="--status")
    if country:
        from initiatives.reference import countries

        code = country.strip().upper()
        if not countries.is_alpha3(code):
            raise InputError(f"{country!r} is not an ISO 3166-1 alpha-3 country code", field="--country")
        country = code
    return InitiativeQuery(kind=kind, country=country, status=status, sdg=sdg, text=text, limit=limit)


@app.command()
def init(db: Db = None) -> None:
    """Create the database (or bring its schema up to date)."""
    store = open_store(db)
    out.print(f"Registry ready at [bold]{store.engine.url.render_as_string(hide_password=True)}[/]")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(
        help="Files to import: registry JSON (gold shape), IATI activity XML, DPG nominee JSON, CSV or XLSX")],
    db: Db = None,
    author: Annotated[str | None, typer.Option(help="Who the changes are attributed to")] = None,
    embed: Annotated[bool, typer.Option("--embed/--no-embed", help="Embed new and changed records for semantic "
                                        "search at the end (when the model is installed). By default they wait: "
                                        "`initiatives serve` makes them in the background, `initiatives embed` now"
                                        )] = False,
) -> None:
    """Import records from structured files. Each file is stored whole, or not at all."""
    store = open_store(db)
    failed = written = 0
    for path in files:
        try:
            summary, findings = formats.import_file(store, path, author=author or default_author(),
                                                    reason=f"import {path.name}")
            written += summary.created + summary.updated
        except InitiativesError as exc:
            failed += 1
            err.print(f"[red]error:[/] {exc}", soft_wrap=True)
            continue
        out.print(f"{path}: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged, "
                  f"{findings} finding{'s' if findings != 1 else ''}")
    if written:
        from initiatives.cli.search import vectors_after_write

        vectors_after_write(store, embed=embed)
    if failed:
        raise typer.Exit(2)


@app.command("list")
def list_(
    db: Db = None, kind: KindOpt = None, country: CountryOpt = None, status: StatusOpt = None, sdg: SdgOpt = None,
    text: TextOpt = None, limit: Annotated[int, typer.Option(help="At most this many rows")] = 200,
) -> None:
    """List initiatives as a table, filtered by kind, country, status, SDG or text."""
    store = open_store(db)
    q = _query(kind, country, status, sdg, text, limit)
    records = store.list_initiatives(q)
    total = store.count_initiatives(_query(kind, country, status, sdg, text))
    table = Table(title=f"{total} initiative{'s' if total != 1 else ''}", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("code", overflow="fold", max_width=10)
    table.add_column("title", overflow="fold", min_width=12, ratio=4)
    table.add_column("kind", overflow="fold")
    table.add_column("status", overflow="fold")
    table.add_column("dates", overflow="fold", max_width=10)
    table.add_column("countries", overflow="fold", min_width=7, ratio=1)
    for r in records:
        dates = f"{r.start or '?'} → {r.end or '?'}" if (r.start or r.end) else ""
        title = (r.title or r.summary or "")[:120]
        table.add_row(str(r.id), r.code or "", title, r.kind, r.status or "", dates, " ".join(r.countries))
    out.print(table)
    if total > len(records):
        out.print(f"(showing {len(records)} of {total}; use --limit)")


def _quote(store: Store, span: model.Span, docs: dict[str, model.Document]) -> tuple[str, str]:
    """The text a span points at, and where it stands (document name and line)."""
    if span.document not in docs:  # a large document kept in pieces: read only the piece that holds the span
        from initiatives.store import document_chunks

        with store.transaction() as s:
            found = document_chunks.quote(s, span.document, span.start, span.end)
        if found is not None:
            return found[1] or span.text or "", f"{found[0]}:{found[2]}"
    doc = docs.get(span.document)
    if doc is None:
        try:
            doc = docs[span.document] = store.get_document(span.document)
        except InitiativesError:
            return span.text or "", "(document not stored)"
    quoted = doc.text[span.start:span.end] or span.text or ""
    line = doc.text.count("\n", 0, span.start) + 1
    return quoted, f"{doc.name}:{line}"


@app.command()
def show(
    ref: Annotated[str, typer.Argument(help="Record id or code")],
    db: Db = None,
    sources: Annotated[bool, typer.Option("--sources", help="Show each value beside the text it came from")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON")] = False,
) -> None:
    """Show one initiative, optionally with the source text of every value."""
    store = open_store(db)
    rec = store.find_initiative(ref)
    if as_json:
        out.print_json(json.dumps(registry_json.record_to_data(rec)))
        return
    data = registry_json.record_to_data(rec, with_sources=False)
    table = Table(title=f"#{rec.id} {rec.label}", title_justify="left", show_header=sources)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    if sources:
        table.add_column("source", overflow="fold", style="dim")
    docs: dict[str, model.Document] = {}
    for field, value in data.items():
        if field == "id" or value in (None, [], {}):
            continue
        shown = _format_value(field, value)
        if not sources:
            table.add_row(field, shown)
            continue
        quotes = [_quote(store, s, docs) for s in rec.sources.get(field, [])]
        src = Text()
        for quoted, where in quotes:
            src.append(f"{where}  ", style="cyan")
            src.append(f"“{quoted}”\n")
        table.add_row(field, shown, src if quotes else Text("(no source)", style="dim italic"))
    out.print(table)
    findings = store.findings(initiative_id=rec.id)
    if findings:
        out.print(f"{len(findings)} finding(s): " + ", ".join(f"{f.rule} [{f.status}]" for f in findings))


def _format_value(field: str, value: object) -> str:
    if field == "partners" and isinstance(value, list):
        return "\n".join(f"{p['name']} ({p['role']}, {p['type']})" for p in value)
    if field == "budget" and isinstance(value, dict):
        return f"{value['amount']:,} {value['currency']}"
    if field == "source_lines" and isinstance(value, list):
        return f"{value[0]}–{value[1]}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


@app.command()
def edit(
    ref: Annotated[str, typer.Argument(help="Record id or code")],
    assignments: Annotated[list[str], typer.Argument(help="field=value pairs, e.g. status=completed countries=BGD,NPL")],
    db: Db = None,
    author: Annotated[str | None, typer.Option(help="Who makes the change (default: $INITIATIVES_AUTHOR or login)")] = None,
    reason: Annotated[str | None, typer.Option(help="Why; kept in the history")] = None,
) -> None:
    """Change fields of a record. Every change is kept as a revision with its author and time."""
    store = open_store(db)
    rec = store.find_initiative(ref)
    changes = dict(parse_assignment(a) for a in assignments)
    updated = store.update_initiative(rec.id or 0, changes, author=author or default_author(),
                                      expected_version=rec.version, reason=reason)
    if updated.version == rec.version:
        out.print(f"#{rec.id} {rec.label}: nothing changed")
    else:
        out.print(f"#{rec.id} {rec.label}: {', '.join(changes)} changed (version {updated.version})")


@app.command()
def history(ref: Annotated[str, typer.Argument(help="Record id or code")], db: Db = None) -> None:
    """Show every change made to a record: who, when, old and new value."""
    store = open_store(db)
    rec = store.find_initiative(ref)
    table = Table(title=f"History of #{rec.id} {rec.label}", title_justify="left")
    for col in ("when", "who", "field", "old", "new", "why"):
        table.add_column(col, overflow="fold")
    for r in store.history(rec.id or 0):
        table.add_row(r.at.strftime("%Y-%m-%d %H:%M:%S"), r.author, r.field, _short(r.old), _short(r.new),
                      r.reason or "")
    out.print(table)


def _short(value: object) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 120 else text[:117] + "..."


@app.command()
def export(
    db: Db = None,
    format: Annotated[str, typer.Option("--format", "-f", help="One of: " + ", ".join(formats.WRITERS))] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: standard output)")] = None,
    kind: KindOpt = None, country: CountryOpt = None, status: StatusOpt = None, sdg: SdgOpt = None,
    text: TextOpt = None,
    reporting_org: Annotated[str | None, typer.Option(
        "--reporting-org", help="IATI: REF[:NAME[:TYPE]] of the publisher, for records that did not come from IATI "
        "(default XI-INITIATIVES)")] = None,
) -> None:
    """Export records (and, for JSON, their organisations and findings) as open data."""
    writer = formats.writer_for(format)
    publisher = formats.reporting_org(reporting_org) if reporting_org else None
    if format in formats.BINARY_FORMATS and output is None:
        raise InputError(f"{format} is a binary format: write it to a file with --output FILE", field="--output")
    store = open_store(db)
    q = _query(kind, country, status, sdg, text)
    selection = formats.select(store, q, filtered=any((kind, country, status, sdg, text)))
    selection.reporting_org = publisher
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        writer(selection, stream)
    finally:
        if output:
            stream.close()
