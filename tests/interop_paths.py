"""The shared IATI and DPG inputs the interop tests read."""

from __future__ import annotations

from testdata import DATA

IATI = DATA / "iati"
ACTIVITIES = IATI / "activities"
DPG = DATA / "dpg"
