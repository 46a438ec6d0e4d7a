"""document text in pieces (large files such as IATI XML of a gigabyte)

Revision ID: 0005_interop_document_chunks
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_interop_document_chunks"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_chunks",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("char_start", sa.BigInteger(), nullable=False),
        sa.Column("char_end", sa.BigInteger(), nullable=False),
        sa.Column("first_line", sa.Integer(), nullable=False),
        sa.Column("last_line", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("document_chunks")
