"""`initiatives search`: the same search the API and the Explore page use."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from initiatives.cli import app
from initiatives.cli._context import DB_OPTION, open_store
from initiatives.interop.registry_json import record_to_data
from initiatives.search.engine import MARK_END, MARK_START, search as run_search
from initiatives.store import Store, search_index

out = Console(highlight=False)


def highlighted(snippet: str) -> Text:
    text = Text()
    for i, part in enumerate(snippet.replace(MARK_END, MARK_START).split(MARK_START)):
        text.append(part, style="bold yellow" if i % 2 else "")
    return text


@app.command(context_settings={"ignore_unknown_options": True})
def search(
    query: Annotated[list[str] | None, typer.Argument(
        help='Words, "phrases", -excluded and filters: country:NPL sdg:16 partner:UNDP kind:pilot '
             "status:ongoing group:LDC year:2015..2018 budget:>1000000")] = None,
    db: Annotated[str | None, DB_OPTION] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    mode: Annotated[str, typer.Option(help="text (BM25), semantic (meaning) or hybrid (both, fused)")] = "text",
    as_json: Annotated[bool, typer.Option("--json", help="Print hits and facets as JSON")] = False,
    reindex: Annotated[bool, typer.Option("--reindex", help="Rebuild the search index first")] = False,
) -> None:
    """Search initiatives: ranked, with highlighted snippets and facet counts."""
    store = open_store(db)
    if reindex:
        with store.transaction() as s:
            n = search_index.rebuild(s)
        out.print(f"Re-indexed {n} initiatives")
        if not query:
            return
    if mode != "text":
        refresh_vectors(store)
    result = run_search(store, " ".join(query or []), limit=limit, mode=mode)
    if as_json:
        out.print_json(json.dumps({
            "total": result.total,
            "relaxed": result.relaxed,
            "hits": [{"score": round(h.score, 4), "snippet": h.snippet.replace(MARK_START, "[").replace(MARK_END, "]"),
                      "record": record_to_data(h.initiative, with_sources=False)} for h in result.hits],
            "facets": {k: [{"value": v, "count": c} for v, c in vals] for k, vals in result.facets.items()},
        }, ensure_ascii=False))
        return
    out.print(f"[bold]{result.total}[/] match{'es' if result.total != 1 else ''}"
              + (" [dim](no record has every word; these have some of them, best first)[/]" if result.relaxed else ""))
    for h in result.hits:
        rec = h.initiative
        head = Text(f"#{rec.id} ", style="dim")
        head.append(rec.code or rec.display_title[:100], style="bold")
        if rec.code:
            head.append(f"  {rec.display_title[:90]}")
        meta = " · ".join(filter(None, [rec.kind, rec.status, " ".join(rec.countries)]))
        out.print(head)
        out.print(Text(f"   {meta}", style="cyan"))
        out.print(Text("   ").append(highlighted(h.snippet)))
    for name, values in result.facets.items():
        if values:
            out.print(f"[dim]{name}:[/] " + ", ".join(f"{v} ({c})" for v, c in values[:8]))


def vectors_after_write(store: Store, *, embed: bool = False, quiet: bool = False) -> None:
    """After an ingest or import: with `embed`, make the vectors of the new and changed records now; else say
    how many wait and what makes them. Vectors are an index for meaning search, not part of the records, so
    writing does not wait for them by default (the model costs more than the extraction)."""
    from initiatives.search import embeddings, vector_state  # (not numpy: a count needs only the database)

    if not embeddings.available():
        return
    if embed:
        embedded = refresh_vectors(store, quiet=quiet)
        if embedded:
            out.print(f"{embedded} record(s) embedded for semantic search")
        return
    waiting = len(vector_state.stale_ids(store, embeddings.MiniLM.name))
    if waiting:
        out.print(f"{waiting:,} record(s) wait for vectors (meaning search): `initiatives serve` makes them in the "
                  f"background, a meaning search makes up to {vector_state.INTERACTIVE_LIMIT:,} itself, "
                  "`initiatives embed` makes them now", soft_wrap=True)


def refresh_vectors(store: Store, *, quiet: bool = False) -> int:
    """Embed records that are new or changed since their vector was made (if the model is installed)."""
    from initiatives.search import embeddings, semantic

    if not embeddings.available():
        return 0
    pending = semantic.stale_ids(store, embeddings.MiniLM.name)
    if not pending:
        return 0
    with Progress(TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), disable=quiet or len(pending) < 50, transient=True) as bar:
        task = bar.add_task("embed", total=len(pending))
        return semantic.refresh_if_available(store, progress=lambda done, total: bar.update(task, completed=done))


@app.command()
def embed(db: Annotated[str | None, DB_OPTION] = None) -> None:
    """Make the embeddings semantic search uses, for records that are new or changed."""
    from initiatives.search import embeddings

    store = open_store(db)
    if not embeddings.available():
        raise embeddings.SemanticUnavailable(f"semantic search is not installed: {embeddings.INSTALL_HINT}")
    n = refresh_vectors(store)
    out.print(f"Embedded {n} record{'s' if n != 1 else ''}; every record is up to date")


@app.command()
def similar(
    ref: Annotated[str, typer.Argument(help="Record id or code")],
    db: Annotated[str | None, DB_OPTION] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
) -> None:
    """The initiatives most like one record, by meaning."""
    from initiatives.search import embeddings, semantic

    store = open_store(db)
    if not embeddings.available():
        raise embeddings.SemanticUnavailable(f"semantic search is not installed: {embeddings.INSTALL_HINT}")
    rec = store.find_initiative(ref)
    refresh_vectors(store)
    out.print(f"Like [bold]#{rec.id} {rec.code or ''}[/] {rec.display_title[:100]}")
    for iid, score in semantic.similar_ids(store, rec.id or 0, limit):
        other = store.get_initiative(iid)
        line = Text(f"  {score:.3f}  ", style="cyan")
        line.append(f"#{other.id} ", style="dim").append(" ".join(filter(None, [other.code,
                                                                                other.display_title[:90]])))
        if other.countries:
            line.append(f"  ({' '.join(other.countries)})", style="dim")
        out.print(line)


@app.command()
def elsewhere(
    country: Annotated[str, typer.Argument(help="The country that wants to learn: NPL, NP or Nepal")],
    theme: Annotated[str | None, typer.Option(help="What it needs, in words, e.g. 'teacher training'")] = None,
    db: Annotated[str | None, DB_OPTION] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
) -> None:
    """What worked elsewhere: initiatives in other countries with similar themes, peers first."""
    from initiatives.reference import countries
    from initiatives.search import embeddings
    from initiatives.search.elsewhere import profile, what_worked_elsewhere

    store = open_store(db)
    if not embeddings.available():
        raise embeddings.SemanticUnavailable(f"semantic search is not installed: {embeddings.INSTALL_HINT}")
    refresh_vectors(store)
    hits = what_worked_elsewhere(store, country, theme, limit)
    code = countries.lookup(country) or country
    out.print(f"For [bold]{countries.name(code)}[/] ({', '.join(sorted(profile(code))) or 'no group'})"
              + (f", theme “{theme}”" if theme else ""))
    for h in hits:
        rec = h.initiative
        line = Text(f"  {h.score:.3f}  ", style="cyan")
        line.append(" ".join(filter(None, [rec.code, rec.display_title[:80]])))
        line.append(f"  in {' '.join(rec.countries)}", style="dim")
        if rec.status:
            line.append(f" · {rec.status}", style="dim")
        if h.shared:
            line.append(f"  shares: {', '.join(h.shared)}", style="green")
        out.print(line)
