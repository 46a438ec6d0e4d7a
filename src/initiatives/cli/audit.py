"""Commands `audit` (run the rules, store findings) and `review` (work through findings)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from initiatives import model
from initiatives.audit import documents as audit_documents
from initiatives.audit import runner
from initiatives.audit import config as audit_config
from initiatives.audit.completeness import completeness
from initiatives.cli import app
from initiatives.cli._context import DB_OPTION, default_author, open_store
from initiatives.errors import InitiativesError, InputError, NotFound
from initiatives.interop.registry_json import finding_to_data
from initiatives.store import Store, finding_fingerprint

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

Db = Annotated[str | None, DB_OPTION]
_RANK = {"low": 1, "medium": 2, "high": 3}


def _today(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date as YYYY-MM-DD", field="--today") from None


@app.command()
def audit(
    db: Db = None,
    config: Annotated[Path | None, typer.Option("--config", help="TOML file overriding the default rule settings")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json (findings in the gold shape)")] = "table",
    fail_on: Annotated[str | None, typer.Option("--fail-on", help="Exit 1 when an open finding has this severity "
                                                "or higher: low, medium, high")] = None,
    rule: Annotated[list[str] | None, typer.Option("--rule", help="Run only this rule (repeatable)")] = None,
    today: Annotated[str | None, typer.Option("--today", help="Date the audit treats as today (YYYY-MM-DD)")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Store the findings for review")] = True,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Table: show the findings of at most this many "
                                       "records, then a count per rule (0: every record)")] = 50,
) -> None:
    """Check every record for data-quality problems; findings are stored so that `review` can act on them."""
    if fmt not in ("table", "json"):
        raise InputError(f"unknown format {fmt!r} (table or json)", field="--format")
    if fail_on is not None and fail_on not in _RANK:
        raise InputError(f"unknown severity {fail_on!r} (low, medium or high)", field="--fail-on")
    base = audit_config.default()
    families = base.get("audit", {}).get("families") or runner.FAMILIES
    known = runner.known_rule_ids(families)
    cfg = audit_config.load(config, known_rules=known)
    for r in rule or []:
        if r not in known:
            raise InputError(f"no such rule {r!r} (known: {', '.join(sorted(known))})", field="--rule")
    store = open_store(db)
    records = list(store.iter_initiatives(scalar_extras=True))  # (rules read no list or object in extras)
    documents, pieces = audit_documents.from_store(store)
    result = runner.run(records, documents, cfg=cfg, today=_today(today), only=set(rule or []) or None,
                        pieces=pieces)
    for rid, rec, problem in result.errors:
        err.print(f"[yellow]warning:[/] rule {rid} failed on record {rec}: {problem}", soft_wrap=True)
    statuses: dict[str, model.Finding] = {}
    if save:
        summary = store.save_audit(result.findings, rules_run=result.rules_run)
        stored = {f.fingerprint: f for f in store.findings()}
        statuses = {fp: stored[fp] for fp in (finding_fingerprint(f) for f in result.findings) if fp in stored}
        if fmt == "table":
            out.print(f"[dim]{summary.new} new, {summary.seen_again} seen again, {summary.reopened} reopened, "
                      f"{summary.auto_resolved} resolved as no longer found[/]")
    shown = []
    for f in result.findings:
        s = statuses.get(finding_fingerprint(f))
        shown.append(f.model_copy(update={"id": s.id, "status": s.status, "comment": s.comment}) if s else f)
    kinds = cfg.get("kinds", {})
    by_id = {r.id: r for r in records}
    if fmt == "json":
        data = []
        for f in shown:
            d = finding_to_data(f)
            rec = by_id.get(f.initiative_ids[0]) if f.initiative_ids else None
            d["completeness"] = round(completeness(rec, kinds), 2) if rec else None
            data.append(d)
        print(json.dumps({"findings": data, "rules_run": result.rules_run,
                          "errors": [{"rule": a, "record": b, "problem": c} for a, b, c in result.errors]},
                         ensure_ascii=False, indent=2))
    else:
        _print_table(shown, by_id, kinds, limit)
    if fail_on:
        worst = [f for f in shown if f.status in ("open", "acknowledged") and _RANK[f.severity] >= _RANK[fail_on]]
        if worst:
            raise typer.Exit(1)


def _print_table(findings: list[model.Finding], by_id: dict[int, model.Initiative], kinds: dict,
                 limit: int = 0) -> None:
    """One table per record with open findings (the first `limit` records; 0: all), then the totals."""
    if not findings:
        out.print("No findings.")
        return
    groups: dict[tuple[str, str], list[model.Finding]] = defaultdict(list)
    for f in findings:
        groups[(f.source_document or "", f.record)].append(f)
    hidden = shown_records = 0
    for (doc, rec_label), items in groups.items():
        visible = [f for f in items if f.status in ("open", "acknowledged")]
        hidden += len(items) - len(visible)
        if not visible:
            continue
        shown_records += 1
        if limit and shown_records > limit:
            continue
        rec = by_id.get(items[0].initiative_ids[0]) if items[0].initiative_ids else None
        score = f"  completeness {completeness(rec, kinds):.0%}" if rec else ""
        where = f"{doc}:{items[0].source_lines[0]}" if doc and items[0].source_lines else doc
        table = Table(title=f"{rec_label[:90]}  [dim]{where}{score}[/]", title_justify="left", show_lines=False,
                      expand=True)
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("rule", no_wrap=True)
        table.add_column("problem", ratio=3)
        table.add_column("evidence", ratio=2)
        table.add_column("status", no_wrap=True)
        for f in sorted(visible, key=lambda x: -_RANK[x.severity]):
            flag = " (reviewer)" if f.reviewer_flagged else ""
            table.add_row(str(f.id or ""), f.severity, f.rule, f.message, f.evidence_text[:160], f.status + flag)
        out.print(table)
    open_found = [f for f in findings if f.status in ("open", "acknowledged")]
    if limit and shown_records > limit:
        _print_rule_totals(open_found)
        out.print(f"[dim]The findings of {shown_records - limit} more record(s) are not shown: "
                  f"`initiatives review list`, `--limit 0` for every record, or `--format json`.[/]")
    out.print(f"{len(open_found)} open finding(s) in {sum(1 for k in groups)} record(s)"
              + (f"; {hidden} resolved or waived not shown" if hidden else ""))


def _print_rule_totals(findings: list[model.Finding]) -> None:
    """Open findings counted per rule and severity (what a large registry's audit is read by first)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for f in findings:
        counts[f.rule][f.severity] += 1
    table = Table(title="Open findings per rule", title_justify="left")
    table.add_column("rule")
    for sev in ("high", "medium", "low"):
        table.add_column(sev, justify="right")
    table.add_column("total", justify="right")
    for rule_id, c in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
        table.add_row(rule_id, *(str(c[sev] or "") for sev in ("high", "medium", "low")), str(sum(c.values())))
    out.print(table)


# ------------------------------------------------------------------------------------------------ review

review_app = typer.Typer(help="Work through audit findings: list, show, acknowledge, resolve, waive, reopen.",
                         invoke_without_command=True, no_args_is_help=False)
app.add_typer(review_app, name="review")


@review_app.callback()
def review(ctx: typer.Context, db: Db = None) -> None:
    """With no sub-command: list the open findings."""
    if ctx.invoked_subcommand is None:
        _list(open_store(db), "open", None, None, None)


def _list(store: Store, status: str | None, rule: str | None, severity: str | None, record: str | None) -> None:
    if status and status not in model.FINDING_STATUSES + ("all",):
        raise InputError(f"unknown status {status!r} ({', '.join(model.FINDING_STATUSES)} or all)", field="--status")
    findings = store.findings(status=None if status == "all" else status, rule=rule, severity=severity)
    if record:
        findings = [f for f in findings if f.record == record]
    if not findings:
        out.print("No findings.")
        return
    table = Table(expand=True)
    for col in ("#", "severity", "rule", "record", "problem", "status"):
        table.add_column(col, ratio=3 if col == "problem" else None, no_wrap=col in ("#", "severity", "rule"))
    for f in findings:
        table.add_row(str(f.id), f.severity, f.rule, f.record[:50], f.message,
                      f.status + (f"\n“{f.comment}”" if f.comment else ""))
    out.print(table)
    out.print(f"{len(findings)} finding(s). Act on one with: initiatives review ack|resolve|waive ID --comment ...")


@review_app.command("list")
def list_findings(
    db: Db = None,
    status: Annotated[str | None, typer.Option(help="open, acknowledged, resolved, waived or all")] = "open",
    rule: Annotated[str | None, typer.Option(help="Only this rule id")] = None,
    severity: Annotated[str | None, typer.Option(help="Only this severity")] = None,
    record: Annotated[str | None, typer.Option(help="Only this record (code or title)")] = None,
) -> None:
    """List findings (open ones by default)."""
    _list(open_store(db), status, rule, severity, record)


@review_app.command()
def show(finding_id: Annotated[int, typer.Argument(help="Finding id")], db: Db = None) -> None:
    """One finding with its evidence in context and its review history."""
    store = open_store(db)
    try:
        f = store.get_finding(finding_id)
    except NotFound:
        raise InputError(f"no finding #{finding_id}", field="id") from None
    out.print(f"[bold]#{f.id} {f.rule}[/] ({f.severity}, {f.status}) — {f.record}")
    if f.source_document:
        lines = f"lines {f.source_lines[0]}–{f.source_lines[1]}" if f.source_lines else ""
        out.print(f"[dim]{f.source_document} {lines}[/]")
    out.print(f.message)
    text = None
    if f.evidence and f.source_document:
        try:
            text = store.get_document(f.evidence[0].document).text
        except InitiativesError:
            text = None
    if text is not None:
        for span in f.evidence:
            line = text.count("\n", 0, span.start) + 1
            out.print(f"  line {line}: > {text[span.start:span.end]}")
    else:
        for q in (f.evidence_text.split(" | ") if f.evidence_text else []):
            out.print(f"  > {q}")
    if f.comment:
        out.print(f"Comment: {f.comment}")
    for rev in store.history(f.id, entity="finding"):
        out.print(f"[dim]{rev.at:%Y-%m-%d %H:%M} {rev.author}: {rev.old} → {rev.new}"
                  f"{' — ' + rev.reason if rev.reason else ''}[/]")


def _set(finding_id: int, status: str, comment: str | None, db: str | None, reviewer: str | None) -> None:
    store = open_store(db)
    f = store.set_finding_status(finding_id, status, reviewer=reviewer or default_author(), comment=comment)
    out.print(f"#{f.id} {f.rule} ({f.record[:60]}): {f.status}")


Comment = Annotated[str | None, typer.Option("--comment", "-m", help="Why (kept with the finding)")]
Reviewer = Annotated[str | None, typer.Option("--reviewer", help="Who decides [default: current user]")]
Id = Annotated[int, typer.Argument(help="Finding id (see `initiatives review`)")]


@review_app.command("ack")
def acknowledge(finding_id: Id, comment: Comment = None, db: Db = None, reviewer: Reviewer = None) -> None:
    """Acknowledge a finding: it is real and someone will fix it."""
    _set(finding_id, "acknowledged", comment, db, reviewer)


@review_app.command()
def resolve(finding_id: Id, comment: Comment = None, db: Db = None, reviewer: Reviewer = None) -> None:
    """Mark a finding fixed; it is reopened if a later audit finds it again."""
    _set(finding_id, "resolved", comment, db, reviewer)


@review_app.command()
def waive(finding_id: Id, comment: Comment = None, db: Db = None, reviewer: Reviewer = None) -> None:
    """Accept a finding as it is (not a problem here); later audits keep it waived."""
    if not comment:
        raise InputError("waiving a finding needs a reason", field="--comment")
    _set(finding_id, "waived", comment, db, reviewer)


@review_app.command()
def reopen(finding_id: Id, comment: Comment = None, db: Db = None, reviewer: Reviewer = None) -> None:
    """Open a finding again."""
    _set(finding_id, "open", comment, db, reviewer)
