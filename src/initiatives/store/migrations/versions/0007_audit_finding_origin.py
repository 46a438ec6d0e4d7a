"""findings remember where they came from: an audit run, or an import (a reviewer's labels in a registry file)

Revision ID: 0007_audit_finding_origin
Revises: 0006_interop_compact_sources
Create Date: 2026-11-21 21:00:00

An audit run resolves the open findings of its rules that it did not find again; findings that came with an
imported file were never the audit's to resolve. Rows stored before this revision are taken as the audit's.
"""
from alembic import op
import sqlalchemy as sa


revision = "0007_audit_finding_origin"
down_revision = "0006_interop_compact_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("origin", sa.String(length=10), nullable=False, server_default="audit"))


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("origin")
