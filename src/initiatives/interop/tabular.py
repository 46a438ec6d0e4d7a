"""Initiatives as a flat table (CSV, XLSX): one row per initiative, repeated values joined with "; ".

Import reads the same columns back (the template is documented in docs/interop.md and in the `template`
sheet of every exported workbook); a bad cell becomes a finding naming file, row and column, and the row
imports with what is sound.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from initiatives.errors import InputError
from initiatives.model import (
    KINDS,
    ORG_TYPES,
    ROLES,
    STATUSES,
    Batch,
    Document,
    Finding,
    Initiative,
    PartialDate,
    PartnerRef,
    Span,
)
from initiatives.reference import countries as _countries
from initiatives.reference import currencies as _currencies


COLUMNS = (
    "id", "kind", "code", "title", "status", "start", "end", "countries", "country_groups", "partners",
    "budget_amount", "budget_currency", "funding_source", "sdgs", "themes", "date_announced", "location",
    "lead_unit", "region", "summary", "source_document", "source_lines",
)
SEP = "; "


def row(rec: Initiative) -> dict[str, str]:
    def join(values: Iterable[object]) -> str:
        return SEP.join(str(v) for v in values)

    return {
        "id": str(rec.id or ""), "kind": rec.kind, "code": rec.code or "", "title": rec.title or "",
        "status": rec.status or "", "start": str(rec.start or ""), "end": str(rec.end or ""),
        "countries": join(rec.countries), "country_groups": join(rec.country_groups),
        "partners": join(f"{p.name} ({p.role}, {p.type})" for p in rec.partners),
        "budget_amount": format(rec.budget.amount.normalize(), "f") if rec.budget else "",
        "budget_currency": rec.budget.currency if rec.budget else "",
        "funding_source": rec.funding_source or "", "sdgs": join(rec.sdgs), "themes": join(rec.themes),
        "date_announced": str(rec.date_announced or ""), "location": rec.location or "",
        "lead_unit": rec.lead_unit or "", "region": rec.region or "", "summary": rec.summary or "",
        "source_document": rec.source_document or "",
        "source_lines": "-".join(map(str, rec.source_lines)) if rec.source_lines else "",
    }


def write_csv(initiatives: Iterable[Initiative], out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for rec in initiatives:
        writer.writerow(row(rec))
        n += 1
    return n


# ------------------------------------------------------------------------------------------------ import
# The template: one row per initiative, the columns of COLUMNS (plus optional `identifier`), repeated values
# separated by ";". `id`, `source_document` and `source_lines` describe where an exported row came from and
# are not read back. See docs/interop.md.


IMPORT_COLUMNS = (*COLUMNS, "identifier")
NOT_READ = ("id", "source_document", "source_lines")
COLUMN_HELP: dict[str, tuple[str, str]] = {
    "id": ("registry id (export only; not read back)", "12"),
    "kind": (f"one of {', '.join(KINDS)}", "pilot"),
    "code": ("project code; with the file name it identifies the row on re-import", "BGD-2021-04"),
    "title": ("title (a row needs a code or a title)", "Solar kiosks for rural clinics"),
    "status": (f"one of {', '.join(STATUSES)}", "ongoing"),
    "start": ("YYYY, YYYY-MM or YYYY-MM-DD (precision is kept)", "2021-06"),
    "end": ("YYYY, YYYY-MM or YYYY-MM-DD", "2023"),
    "countries": ("ISO 3166-1 alpha-3 (alpha-2 and English names are read too), separated by ;", "BGD; NPL"),
    "country_groups": ("e.g. LDC; SIDS", "LDC"),
    "partners": ("Name (role, type) separated by ;  role: " + ", ".join(ROLES) + "; type: " + ", ".join(ORG_TYPES),
                 "UNDP (lead, un); Village councils (beneficiary, government)"),
    "budget_amount": ("number, plain notation", "250000"),
    "budget_currency": ("ISO 4217 code (or a crypto code)", "USD"),
    "funding_source": ("free text", "Government of Japan"),
    "sdgs": ("SDG goal numbers 1-17 separated by ;", "7; 13"),
    "themes": ("free text separated by ;", "energy; health"),
    "date_announced": ("YYYY, YYYY-MM or YYYY-MM-DD", "2021-05-12"),
    "location": ("free text", "Sylhet division"),
    "lead_unit": ("free text", "DPIDG"),
    "region": ("free text", "South Asia"),
    "summary": ("free text", "Kiosks powered by solar panels in two districts."),
    "source_document": ("file the record came from (export only; not read back)", ""),
    "source_lines": ("first-last line in that file (export only; not read back)", ""),
    "identifier": ("optional external identifier (e.g. an IATI identifier); re-import updates by it", ""),
}
_PARTNER = re.compile(r"^(?P<name>.+?)\s*\((?P<role>[\w ]+?)(?:\s*,\s*(?P<type>[\w ]+?))?\)\s*$")
_SPLIT = re.compile(r"\s*;\s*")


def _header_key(value: Any) -> str:
    return re.sub(r"[\s-]+", "_", str(value or "").strip().lower())


class _RowReader:
    """Turns one row of cells into Initiative fields, collecting a finding per bad cell."""

    def __init__(self, path: Path, sha: str, findings: list[Finding]) -> None:
        self.path, self.sha, self.findings = path, sha, findings

    def bad(self, row: int, line: int, column: str, message: str, value: Any, record: str,
            severity: str = "medium") -> None:
        self.findings.append(Finding(
            rule="tabular-cell", severity=severity, record=record, field=column,  # type: ignore[arg-type]
            message=f"{self.path.name} row {row}, column {column!r}: {message} (value {value!r})",
            evidence_text=str(value), source_document=self.path.name, source_lines=(line, line)))

    @staticmethod
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, _dt.datetime):
            return value.date().isoformat()
        return str(value).strip()

    def record(self, cells: dict[str, Any], row: int, line: int, span: tuple[int, int]) -> Initiative | None:
        t = {k: self.text(v) for k, v in cells.items()}
        label = t.get("code") or t.get("title") or f"row {row}"
        if not (t.get("code") or t.get("title")):
            if any(t.values()):
                self.bad(row, line, "title", "the row has neither a code nor a title; it was skipped", "", label,
                         "high")
            return None
        data: dict[str, Any] = {}
        for col in ("code", "title", "summary", "funding_source", "location", "lead_unit", "region"):
            if t.get(col):
                data[col] = t[col]
        kind = t.get("kind", "").lower()
        if kind:
            if kind in KINDS:
                data["kind"] = kind
            else:
                self.bad(row, line, "kind", f"not a kind ({', '.join(KINDS)})", cells["kind"], label)
        status = t.get("status", "").lower()
        if status:
            if status in STATUSES:
                data["status"] = status
            else:
                self.bad(row, line, "status", f"not a status ({', '.join(STATUSES)})", cells["status"], label)
        for col in ("start", "end", "date_announced"):
            raw = cells.get(col)
            if raw in (None, ""):
                continue
            if isinstance(raw, (int, float)) and not (isinstance(raw, int) and 1000 <= raw <= 9999):
                self.bad(row, line, col, "a number where a date is expected", raw, label)
                continue
            try:
                data[col] = PartialDate.parse(raw if isinstance(raw, (_dt.date, _dt.datetime)) else t[col])
            except ValueError:
                self.bad(row, line, col, "not a date (YYYY, YYYY-MM or YYYY-MM-DD)", raw, label)
        if data.get("start") and data.get("end") and data["start"].earliest() > data["end"].latest():
            self.bad(row, line, "end", f"ends before it starts ({data['start']})", t["end"], label)
            data.pop("end")
        countries = []
        for item in _SPLIT.split(t.get("countries", "")):
            if not item:
                continue
            code = _country(item)
            if code:
                countries.append(code)
            else:
                self.bad(row, line, "countries", "not a country (ISO 3166-1 alpha-3)", item, label)
        data["countries"] = countries
        sdgs = []
        for item in _SPLIT.split(t.get("sdgs", "")):
            if not item:
                continue
            item = item.removeprefix("SDG").strip()
            if item.isdigit() and 1 <= int(item) <= 17:
                sdgs.append(int(item))
            else:
                self.bad(row, line, "sdgs", "not an SDG number (1-17)", item, label)
        data["sdgs"] = sdgs
        for col in ("country_groups", "themes"):
            data[col] = [v for v in _SPLIT.split(t.get(col, "")) if v]
        partners = []
        for item in _SPLIT.split(t.get("partners", "")):
            if not item:
                continue
            m = _PARTNER.match(item)
            role = (m.group("role").strip().lower() if m else "partner")
            otype = ((m.group("type") or "unknown").strip().lower() if m else "unknown")
            if m and (role not in ROLES or otype not in ORG_TYPES):
                self.bad(row, line, "partners", "unknown role or organisation type", item, label, "low")
                role = role if role in ROLES else "partner"
                otype = otype if otype in ORG_TYPES else "unknown"
            partners.append(PartnerRef(name=m.group("name") if m else item, role=role, type=otype))
        data["partners"] = partners
        amount_raw = cells.get("budget_amount")
        if amount_raw not in (None, ""):
            currency = t.get("budget_currency", "").upper()
            amount = _number(amount_raw)
            if amount is None:
                self.bad(row, line, "budget_amount", "not a number", amount_raw, label)
            elif not currency:
                self.bad(row, line, "budget_currency", "a budget needs its currency", "", label)
            elif not _currencies.is_known(currency):
                self.bad(row, line, "budget_currency", "not an ISO 4217 currency", currency, label)
            else:
                data["budget"] = {"amount": amount, "currency": currency}
        if t.get("identifier"):
            data["extras"] = {"identifier": t["identifier"]}
        spans = [Span(document=self.sha, start=span[0], end=span[1])]
        data["sources"] = {f: spans for f in data if f in {
            "code", "title", "summary", "status", "start", "end", "countries", "partners", "budget", "sdgs",
            "themes", "kind", "funding_source", "location", "lead_unit", "region", "date_announced",
            "country_groups"} and data[f] not in ([], None)}
        data.update(source_document=self.path.name, source_lines=(line, line))
        try:
            return Initiative.model_validate(data)
        except ValueError as exc:  # pragma: no cover - every value was checked above
            self.bad(row, line, "(row)", str(exc).splitlines()[0], "", label, "high")
            return None


def _country(item: str) -> str | None:
    code = item.strip().upper()
    if len(code) == 3 and _countries.is_alpha3(code):
        return code
    if len(code) == 2:
        return _countries.alpha2_to_alpha3(code)
    try:
        import pycountry

        return pycountry.countries.lookup(item.strip()).alpha_3
    except LookupError:
        return None


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    try:
        d = Decimal(str(value).strip().replace(",", "").replace(" ", ""))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _rows_csv(path: Path, data: bytes) -> tuple[str, list[tuple[int, int, list[Any], tuple[int, int]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc.reason}", file=str(path)) from None
    line_starts = [0]
    for m in re.finditer("\n", text):
        line_starts.append(m.end())
    try:
        return text, _csv_rows(text, line_starts, strict=True)
    except _Unclosed as exc:  # the rest of the file would be read as one cell: refuse it, naming the line
        raise InputError(f"malformed CSV: the quoted cell opened on line {exc.line} is never closed",
                         file=str(path), line=exc.line) from None
    except csv.Error:  # a stray character after a closing quote and the like: read as the csv module reads it
        pass
    try:
        return text, _csv_rows(text, line_starts, strict=False)
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", file=str(path)) from None


class _Unclosed(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _csv_rows(text: str, line_starts: list[int], *, strict: bool) -> list[tuple[int, int, list[Any], tuple[int, int]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=strict)
    rows = []
    prev_line = 0
    try:
        for cells in reader:
            first, last = prev_line + 1, reader.line_num
            start = line_starts[first - 1] if first - 1 < len(line_starts) else len(text)
            end = line_starts[last] - 1 if last < len(line_starts) else len(text)
            rows.append((len(rows) + 1, first, list(cells), (start, max(start, end))))
            prev_line = last
    except csv.Error as exc:
        if strict and "unexpected end of data" in str(exc):
            raise _Unclosed(prev_line + 1) from None
        raise
    return rows


def _rows_xlsx(path: Path, data: bytes) -> tuple[str, list[tuple[int, int, list[Any], tuple[int, int]]]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise InputError(f"not a readable XLSX workbook ({type(exc).__name__})", file=str(path)) from None
    ws = wb["initiatives"] if "initiatives" in wb.sheetnames else wb.worksheets[0]
    lines, rows, pos = [], [], 0
    for i, values in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = list(values)
        line = "\t".join(_RowReader.text(c) for c in cells)
        rows.append((i, i, cells, (pos, pos + len(line))))
        lines.append(line)
        pos += len(line) + 1
    wb.close()
    return "\n".join(lines) + "\n", rows


def read(path: Path) -> Batch:
    """A CSV or XLSX file, one row per initiative (the template above), as one Batch."""
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    xlsx = path.suffix.lower() == ".xlsx"
    text, rows = (_rows_xlsx if xlsx else _rows_csv)(path, data)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if xlsx else "text/csv"
    doc = Document(path=str(path), sha256=sha, media_type=media, text=text, title=path.name)
    if not rows:
        raise InputError("empty file: no header row", file=str(path), line=1)
    header = [_header_key(h) for h in rows[0][2]]
    known = [h for h in header if h in IMPORT_COLUMNS]
    if not ({"title", "code"} & set(known)):
        raise InputError("no 'title' or 'code' column in the header row (see the template in docs/interop.md)",
                         file=str(path), line=rows[0][1])
    findings: list[Finding] = []
    rr = _RowReader(path, sha, findings)
    unknown = [h for h in header if h and h not in IMPORT_COLUMNS]
    if unknown:
        rr.bad(1, rows[0][1], ", ".join(unknown), "unknown column(s), ignored", ", ".join(unknown), "(header)", "low")
    records = []
    for number, line, cells, span in rows[1:]:
        values = {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(header)
                  if h in IMPORT_COLUMNS and h not in NOT_READ}
        if all(v in (None, "") for v in values.values()):
            continue
        extra = [c for c in cells[len(header):] if c not in (None, "")]
        if extra:
            rr.bad(number, line, "(row)", f"{len(extra)} cell(s) beyond the header were ignored (an unquoted "
                   "comma?)", extra[0], _RowReader.text(values.get("code") or values.get("title")) or f"row {number}")
        rec = rr.record(values, number, line, span)
        if rec is not None:
            records.append(rec)
    return Batch(origin=str(path), documents=[doc], initiatives=records, findings=findings)


# ------------------------------------------------------------------------------------------------ XLSX out


def xlsx_bytes(initiatives: Iterable[Initiative]) -> bytes:
    """A workbook with the records (sheet `initiatives`) and the template's column guide (sheet `template`)."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "initiatives"
    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for rec in initiatives:
        r = row(rec)
        values: list[Any] = [r[c] for c in COLUMNS]
        if rec.budget is not None:
            values[COLUMNS.index("budget_amount")] = float(rec.budget.amount) if \
                rec.budget.amount == Decimal(repr(float(rec.budget.amount))) else r["budget_amount"]
        ws.append(values)
    guide = wb.create_sheet("template")
    guide.append(["column", "what it holds", "example"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for col in IMPORT_COLUMNS:
        what, example = COLUMN_HELP[col]
        guide.append([col, what, example])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(initiatives: Iterable[Initiative], out: IO[Any]) -> None:
    """Write the workbook to a binary stream, or to the binary buffer under a text stream (a file or stdout)."""
    data = xlsx_bytes(initiatives)
    target = getattr(out, "buffer", None)
    if target is None:
        if isinstance(out, io.TextIOBase):
            raise InputError("XLSX is binary: write it to a file (--output FILE.xlsx)", field="--format")
        target = out
    out.flush()
    target.write(data)
    target.flush()
