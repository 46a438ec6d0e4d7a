"""Discovery: full-text search with filters and facets (SQLite FTS5 or PostgreSQL full-text search)."""

from initiatives.search.engine import SearchHit, SearchResult, search
from initiatives.search.query import ParsedQuery, parse

__all__ = ["ParsedQuery", "SearchHit", "SearchResult", "parse", "search"]
