"""`initiatives search` as a person runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from testdata import GOLD, REPO


def test_search_command(tmp_path: Path) -> None:
    env = {**os.environ, "INITIATIVES_DB": str(tmp_path / "s.db"), "PYTHONPATH": str(REPO / "src"),
           "COLUMNS": "160"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "initiatives", *args], capture_output=True, text=True,
                              env=env, timeout=120)

    assert run("import", *map(str, sorted(GOLD.glob("*.json")))).returncode == 0
    proc = run("search", "internet", "governance", "-Turkey")
    assert proc.returncode == 0, proc.stderr
    assert "GLO15X01" in proc.stdout and "GLO14X01" not in proc.stdout
    data = json.loads(run("search", "--json", "country:BGD").stdout)
    assert data["total"] == len(data["hits"]) >= 2
    assert all("BGD" in h["record"]["countries"] for h in data["hits"])
    assert {"kind", "status", "country", "sdg", "partner"} <= set(data["facets"])
    bad = run("search", "sdg:99")
    assert bad.returncode == 2 and "SDG '99' does not exist" in bad.stderr
    assert "Re-indexed" in run("search", "--reindex").stdout
