"""initiatives: an open registry of development and innovation initiatives.

Documents in, one clean linked registry out: ingest, audit, review, search and publish (IATI XML, CSV, JSON).
The public surface is small: the records in `initiatives.model` and the `Store`.
"""

from initiatives.model import Batch, Document, Finding, Initiative, Organization, PartialDate, Revision, Span
from initiatives.store import Store

__version__ = "0.1.0"
__all__ = ["Batch", "Document", "Finding", "Initiative", "Organization", "PartialDate", "Revision", "Span", "Store"]
