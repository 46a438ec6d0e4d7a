"""Benchmark: IATI import into SQLite, end to end, against the bare lxml parse of the same file.

Builds a large file (default >= 200 MB) by repeating the real 2.0x activities in ../shared/data/iati/activities
with a distinct iati-identifier per copy, then measures in separate processes (so each peak RSS is its own):
  1. bare lxml iterparse over the file (activities/s, MB/s), before and after the import (the mean is compared),
  2. `initiatives.interop.iati.importer.import_file` into a fresh SQLite file (activities/s, peak RSS, size of
     the database files after the import).
The machine's 1-minute load average before and after is printed too (other jobs skew the figures).
The import reads and maps in a second process while the first writes (see docs/interop.md); the CPU seconds of
each process are printed beside the wall time, since another job on the machine slows the two unevenly.
Prints one JSON object. Usage: python bench/iati_import.py [--mb 200] [--keep FILE | --file FILE] [--sequential]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p for p in (ROOT / ".." / "shared", ROOT / ".." / ".." / "shared") if p.is_dir()), ROOT / ".." / "shared")
ACTIVITIES = SHARED / "data" / "iati" / "activities"
_IDENT = re.compile(r"<iati-identifier>([^<]*)</iati-identifier>")


def build(target: Path, mb: int) -> int:
    """Write a file of at least `mb` MB; returns the number of activities."""
    chunks: list[str] = []
    for path in sorted(ACTIVITIES.glob("*v2.0*.xml")):
        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
        for act in tree.getroot().iterfind("iati-activity"):
            chunks.append(etree.tostring(act, encoding="unicode"))
    size = sum(len(c.encode()) for c in chunks)
    copies = max(1, -(-mb * 1024 * 1024 // size))
    n = 0
    with target.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n')
        for k in range(copies):
            for chunk in chunks:
                out.write(_IDENT.sub(lambda m: f"<iati-identifier>{m.group(1)}-r{k}</iati-identifier>", chunk, 1))
                out.write("\n")
                n += 1
        out.write("</iati-activities>\n")
    return n


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare(path: str) -> dict[str, float]:
    t = time.perf_counter()
    n = 0
    for _ev, el in etree.iterparse(path, events=("end",), tag="iati-activity", resolve_entities=False,
                                   no_network=True, huge_tree=True):
        n += 1
        el.clear(keep_tail=False)
        while el.getprevious() is not None:
            del el.getparent()[0]
    dt = time.perf_counter() - t
    return {"activities": n, "seconds": round(dt, 2), "activities_per_s": round(n / dt), "peak_rss_mb": round(_peak_mb())}


def importer(path: str, parallel: bool | None) -> dict[str, float]:
    from initiatives.interop.iati import importer as imp
    from initiatives.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "bench.db"))
        t, cpu = time.perf_counter(), time.process_time()
        result = imp.import_file(store, Path(path), author="bench", parallel=parallel)
        dt, cpu = time.perf_counter() - t, time.process_time() - cpu
        worker = resource.getrusage(resource.RUSAGE_CHILDREN)
        n = result.summary.created + result.summary.updated + result.summary.unchanged
        stored = store.count_initiatives()
        store.close()
        db_mb = sum(p.stat().st_size for p in Path(tmp).glob("bench.db*")) / 1024 / 1024
    return {"activities": n, "stored": stored, "findings": result.findings, "seconds": round(dt, 2),
            "activities_per_s": round(n / dt), "cpu_s_importing_process": round(cpu, 2),
            "cpu_s_reader_process": round(worker.ru_utime + worker.ru_stime, 2),
            "cpu_us_per_activity": round((cpu + worker.ru_utime + worker.ru_stime) / max(n, 1) * 1e6),
            "peak_rss_mb": round(_peak_mb()), "peak_rss_mb_reader_process": round(worker.ru_maxrss / 1024),
            "db_mb": round(db_mb)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--keep", type=Path, help="build (or reuse) the big file here")
    ap.add_argument("--file", type=Path, help="an existing IATI file to import instead of building one")
    ap.add_argument("--sequential", action="store_true",
                    help="read and write in one process (default: a reader process beside the writing one, "
                         "whatever the load; `initiatives import` decides by the load, importer.worth_a_worker)")
    ap.add_argument("--phase", choices=("bare", "import"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(bare(str(args.file)) if args.phase == "bare" else
                         importer(str(args.file), not args.sequential)))
        return
    tmpdir = tempfile.TemporaryDirectory()
    path = args.file or args.keep or Path(tmpdir.name) / "big.xml"
    if not path.exists():
        build(path, args.mb)
    size_mb = path.stat().st_size / 1024 / 1024
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    runs: dict[str, dict] = {}
    load_before = os.getloadavg()[0]
    # the bare parse before and after the import (its rate varies by 10-15 % from run to run): their mean is the
    # figure the import is compared with
    for key, phase in (("bare_before", "bare"), ("import", "import"), ("bare_after", "bare")):
        proc = subprocess.run([sys.executable, __file__, "--phase", phase, "--file", str(path),
                               *(["--sequential"] if args.sequential else [])], env=env,
                              capture_output=True, text=True, check=True)
        runs[key] = json.loads(proc.stdout.strip().splitlines()[-1])
    b1, b2 = runs.pop("bare_before"), runs.pop("bare_after")
    runs["bare"] = {"activities": b1["activities"], "seconds": round((b1["seconds"] + b2["seconds"]) / 2, 2),
                    "activities_per_s": round((b1["activities_per_s"] + b2["activities_per_s"]) / 2),
                    "runs_activities_per_s": [b1["activities_per_s"], b2["activities_per_s"]],
                    "peak_rss_mb": max(b1["peak_rss_mb"], b2["peak_rss_mb"])}
    runs["bare"]["mb_per_s"] = round(size_mb / runs["bare"]["seconds"], 1)
    print(json.dumps({
        "file_mb": round(size_mb, 1), "bare_lxml": runs["bare"], "import_sqlite": runs["import"],
        "mode": "sequential" if args.sequential else "parallel (reader process + writing process)",
        "import_vs_bare": round(runs["import"]["activities_per_s"] / runs["bare"]["activities_per_s"], 3),
        "peak_rss_mb_per_file_mb": round(runs["import"]["peak_rss_mb"] / size_mb, 2),
        "load_avg_1min": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
    }, indent=2))


if __name__ == "__main__":
    main()
