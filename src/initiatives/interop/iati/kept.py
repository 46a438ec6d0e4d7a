"""Transactions, results, policy markers and document links of imported activities, read back from the document.

The streaming importer stores the file's text (`store.document_chunks`) and does not copy these elements into
each record's extras as well: a record only lists which kinds it has (`extras["kept_in_source"]`). That halves
what an import writes for them (the XML was stored twice) and saves the reader their serialisation. An IATI
export needs them whole, so `restore` cuts each record's `iati-activity` element out of its stored document
(as the IATI ruleset audit does, `audit.iati_rules.activity_xml`), parses it in the context of the file's own
root element (its namespace declarations) and gives the record its elements as XML, as `reader.read` would.
A record whose document is not stored (a registry JSON copy of it, say) keeps the marker and exports its
transactions as their sums.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lxml import etree

from initiatives.interop.iati.reader import KEPT, _parser_args, _xml
from initiatives.model import Document, Initiative

if TYPE_CHECKING:
    from initiatives.store import Store

MARKER = "kept_in_source"
HEAD_CHARS = 65536  # where the root element's start tag is looked for
_ROOT = re.compile(r"<iati-activities(?=[\s>])[^>]*>")


def restore(store: Store, records: list[Initiative]) -> list[Initiative]:
    """The records, those with kept elements left in their document given them back as XML in extras (in file
    order, as `reader.read` keeps them); the rest unchanged."""
    if not any(MARKER in r.extras for r in records):
        return records
    from initiatives.audit.base import AuditContext
    from initiatives.audit.documents import from_store
    from initiatives.audit.iati_rules import activity_xml

    docs, pieces = from_store(store)
    # by sha256 only: a record's spans name its document exactly (two versions of a file share its name)
    ctx = AuditContext(records=records, documents={d.sha256: d for d in docs}, pieces=pieces)
    roots: dict[str, str] = {}
    parser = etree.XMLParser(**_parser_args())
    out = []
    for rec in records:
        kinds = rec.extras.get(MARKER)
        found = activity_xml(rec, ctx) if kinds else None
        doc = ctx.document_of(rec) if found is not None else None
        elements = _elements(found[0], _root(store, doc, roots), parser) if doc is not None and found else None
        if elements is None:
            out.append(rec)
            continue
        extras = {k: v for k, v in rec.extras.items() if k != MARKER}
        extras.update(elements)
        out.append(rec.model_copy(update={"extras": extras}))
    return out


def _elements(activity: str, root: str, parser: Any) -> dict[str, list[str]] | None:
    """The kept elements of one activity's XML, by extras key; None when it does not parse."""
    try:
        tree = etree.fromstring(f"{root}{activity}</iati-activities>".encode(), parser)
    except etree.XMLSyntaxError:
        return None
    act = tree[0] if len(tree) else None
    if act is None or act.tag != "iati-activity":
        return None
    kept: dict[str, list[str]] = {}
    for child in act.iterchildren(*KEPT):
        kept.setdefault(KEPT[child.tag], []).append(_xml(child))
    return kept


def _root(store: Store, doc: Document, roots: dict[str, str]) -> str:
    """The start tag of the document's root element (its namespace declarations and version)."""
    if doc.sha256 not in roots:
        head = doc.text[:HEAD_CHARS] if doc.text else _head(store, doc)
        m = _ROOT.search(head)
        roots[doc.sha256] = m.group(0) if m else '<iati-activities version="2.03">'
    return roots[doc.sha256]


def _head(store: Store, doc: Document) -> str:
    from initiatives.store import document_chunks

    with store.transaction() as s:
        return document_chunks.text_slice(s, doc.id or 0, 0, HEAD_CHARS)
