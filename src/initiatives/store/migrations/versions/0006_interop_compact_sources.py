"""a record's spans kept compactly on its row (bulk-imported IATI activities)

Revision ID: 0006_interop_compact_sources
Revises: 0005_interop_document_chunks
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_interop_compact_sources"
down_revision = "0005_interop_document_chunks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("initiatives", sa.Column("source_spans", sa.Text(), nullable=True))


def downgrade() -> None:
    # the compact spans go back to one `sources` row each before the column is dropped
    conn = op.get_bind()
    from initiatives.store.source_spans import decode

    rows = conn.execute(sa.text("SELECT id, source_spans FROM initiatives WHERE source_spans IS NOT NULL")).all()
    for iid, value in rows:
        spans = [{"i": iid, "f": f, "d": d, "s": s, "e": e} for f, d, s, e in decode(value)]
        if spans:
            conn.execute(sa.text('INSERT INTO sources (initiative_id, field, document_sha256, start, "end", text) '
                                 "VALUES (:i, :f, :d, :s, :e, NULL)"), spans)
    op.drop_column("initiatives", "source_spans")  # (SQLite 3.35+ drops a column in place)
