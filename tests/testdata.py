"""Where the test inputs are: this checkout, and the read-only shared data beside it."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared").resolve()
SEEDS = SHARED / "seeds"
GOLD = SHARED / "gold"
DATA = SHARED / "data"
