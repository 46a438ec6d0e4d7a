"""a large document's pieces can be stored compressed (zstd): `document_chunks.packed`

Revision ID: 0008_packed_document_chunks
Revises: 0007_audit_finding_origin
Create Date: 2026-11-22 05:00:00

An IATI file's text was stored as it is: for a 200 MB file, 200 MB of the database and of what the import's
commit writes. Pieces written from now on keep their text compressed in `packed` (`text` is then ""); pieces
stored before keep their text. A downgrade writes the text of packed pieces back into `text`.
"""
from alembic import op
import sqlalchemy as sa


revision = "0008_packed_document_chunks"
down_revision = "0007_audit_finding_origin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document_chunks") as batch:
        batch.add_column(sa.Column("packed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    import zstandard

    bind = op.get_bind()
    chunks = sa.table("document_chunks", sa.column("document_id", sa.Integer), sa.column("seq", sa.Integer),
                      sa.column("text", sa.Text), sa.column("packed", sa.LargeBinary))
    rows = bind.execute(sa.select(chunks.c.document_id, chunks.c.seq).where(chunks.c.packed.is_not(None))).all()
    unpack = zstandard.ZstdDecompressor()
    for doc_id, seq in rows:  # one piece in memory at a time
        where = (chunks.c.document_id == doc_id) & (chunks.c.seq == seq)
        packed = bind.execute(sa.select(chunks.c.packed).where(where)).scalar_one()
        bind.execute(chunks.update().where(where).values(text=unpack.decompress(packed).decode("utf-8"),
                                                         packed=None))
    with op.batch_alter_table("document_chunks") as batch:
        batch.drop_column("packed")
