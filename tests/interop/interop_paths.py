"""Where the read-only shared inputs are: the `shared/` folder beside the repository checkout."""

from __future__ import annotations

from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
SHARED = next((p for p in (_REPO / ".." / "shared", _REPO / ".." / ".." / "shared") if p.is_dir()),
              _REPO / ".." / "shared")
DATA = SHARED / "data"
IATI = DATA / "iati"
ACTIVITIES = IATI / "activities"
DPG = DATA / "dpg"
