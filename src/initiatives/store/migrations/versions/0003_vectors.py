"""initiative embeddings for semantic search

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "initiative_vectors",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiatives.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("initiative_id"),
    )
    op.create_index("ix_initiative_vectors_stamp", "initiative_vectors", ["model", "record_version", "initiative_id"])


def downgrade() -> None:
    op.drop_index("ix_initiative_vectors_stamp", table_name="initiative_vectors")
    op.drop_table("initiative_vectors")
