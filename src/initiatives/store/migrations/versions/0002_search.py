"""full-text search index

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_entries",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["initiative_id"], ["initiatives.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("initiative_id"),
    )
    if op.get_bind().dialect.name == "sqlite":
        # external-content FTS5 table over search_entries, kept in sync by triggers
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_entries', "
                   "content_rowid='initiative_id', tokenize='porter unicode61 remove_diacritics 2')")
        op.execute("CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
                   "INSERT INTO search_fts(rowid, title, body) VALUES (new.initiative_id, new.title, new.body); END")
        op.execute("CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
                   "INSERT INTO search_fts(search_fts, rowid, title, body) "
                   "VALUES ('delete', old.initiative_id, old.title, old.body); END")
        op.execute("CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
                   "INSERT INTO search_fts(search_fts, rowid, title, body) "
                   "VALUES ('delete', old.initiative_id, old.title, old.body); "
                   "INSERT INTO search_fts(rowid, title, body) VALUES (new.initiative_id, new.title, new.body); END")
    else:
        op.execute("ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
                   "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
                   "setweight(to_tsvector('english', coalesce(body, '')), 'B')) STORED")
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)")
    # records stored before this revision are indexed by `initiatives search --reindex`


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_entries_ai", "search_entries_ad", "search_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_entries")
