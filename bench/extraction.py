"""Score an ingest against gold labels and time it. Prints JSON.

    python bench/extraction.py [--docs ../shared/seeds] [--gold ../shared/gold] [--export export.json]
                               [--copies N] [--cli] [--large-kb KB [--large-shape prose|listing]] [--diff]

Without --export, the documents are ingested into a fresh SQLite file and the JSON export is scored.

Matching (per document): records are paired greedily, best pair first.
  * both have a code: they match when the codes are equal after removing spaces/hyphens and case;
  * otherwise: title similarity (rapidfuzz token_set_ratio on lower-cased titles without possessives and
    punctuation) >= 80, or — when either title is missing — overlapping source_lines (the pair with the larger
    overlap wins).
Record precision = matched / extracted, recall = matched / gold.
Per-field F1 over matched pairs, micro-averaged: list fields are compared as sets (partners by name, loosely:
acronym or normalised name; themes loosely, token_set_ratio >= 80); scalars must be equal after normalisation
(titles loosely: token_set_ratio >= 85). A field nobody filled in any matched pair is left out of the mean.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

FIELDS = ("kind", "code", "title", "status", "start", "end", "countries", "country_groups", "partners", "budget",
          "funding_source", "sdgs", "themes", "date_announced", "location")
LIST_FIELDS = {"countries", "country_groups", "partners", "sdgs", "themes"}


def norm_title(t: str | None) -> str:
    if not t:
        return ""
    t = re.sub(r"['’]s\b", "", t.casefold())
    return re.sub(r"[^\w]+", " ", t).strip()


def norm_code(c: str | None) -> str:
    return re.sub(r"[\s\-_./]", "", (c or "").upper())


def _org_keys(name: str) -> set[str]:
    keys = {norm_title(re.sub(r"\([^)]*\)", "", name))}
    m = re.search(r"\(([^)]+)\)", name)
    if m:
        keys.add(norm_title(m.group(1)))
    return {k for k in keys if k}


def _loose_equal(field: str, a: Any, b: Any) -> bool:
    if field == "partners":
        ka, kb = _org_keys(a), _org_keys(b)
        return bool(ka & kb) or any(fuzz.token_set_ratio(x, y) >= 90 for x in ka for y in kb if len(x) > 6 and len(y) > 6)
    if field == "themes":
        return fuzz.token_set_ratio(str(a).casefold(), str(b).casefold()) >= 80
    if field == "country_groups":
        return str(a).casefold().removeprefix("the ") == str(b).casefold().removeprefix("the ")
    return a == b


def set_counts(field: str, pred: list[Any], gold: list[Any]) -> tuple[int, int, int]:
    if field == "partners":
        pred = [p["name"] for p in pred]
        gold = [g["name"] for g in gold]
    used: set[int] = set()
    tp = 0
    for p in pred:
        for j, g in enumerate(gold):
            if j not in used and _loose_equal(field, p, g):
                used.add(j)
                tp += 1
                break
    return tp, len(pred) - tp, len(gold) - tp


def scalar(field: str, v: Any) -> Any:
    if v in (None, "", {}):
        return None
    if field == "budget":
        return (float(v["amount"]), v.get("currency"))
    if field == "code":
        return norm_code(v)
    if field in ("location", "funding_source"):
        return norm_title(v)
    return v


def scalar_counts(field: str, pred: Any, gold: Any) -> tuple[int, int, int]:
    p, g = scalar(field, pred), scalar(field, gold)
    if field == "title" and p and g:
        same = fuzz.token_set_ratio(norm_title(p), norm_title(g)) >= 85
    else:
        same = p == g
    if p is None and g is None:
        return 0, 0, 0
    if same:
        return 1, 0, 0
    return 0, int(p is not None), int(g is not None)


def _overlap(a: list[int] | None, b: list[int] | None) -> int:
    if not a or not b:
        return 0
    return max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)


def match(pred: list[dict[str, Any]], gold: list[dict[str, Any]]) -> list[tuple[int, int]]:
    cands: list[tuple[float, int, int]] = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            if p.get("code") and g.get("code"):
                if norm_code(p["code"]) == norm_code(g["code"]):
                    cands.append((300.0, i, j))
                continue
            tp, tg = norm_title(p.get("title")), norm_title(g.get("title"))
            ov = _overlap(p.get("source_lines"), g.get("source_lines"))
            if tp and tg:
                sim = fuzz.token_set_ratio(tp, tg)
                if sim >= 80:  # ties (one title inside another) go to the closer overall spelling
                    cands.append((sim + fuzz.ratio(tp, tg) / 100 + min(ov, 10) / 100, i, j))
            elif ov:
                cands.append((100.0 + ov / 1000, i, j))
    cands.sort(reverse=True)
    used_p: set[int] = set()
    used_g: set[int] = set()
    pairs = []
    for _, i, j in cands:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            pairs.append((i, j))
    return pairs


def score(export: dict[str, Any], gold_dir: Path, diff: list[str] | None = None) -> dict[str, Any]:
    """Record and field scores; with `diff`, a line for every missed, extra or differing value is appended to it."""
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for r in export["records"]:
        by_doc.setdefault(r.get("source_document") or "", []).append(r)
    counts = {f: [0, 0, 0] for f in FIELDS}
    n_pred = n_gold = n_match = 0
    per_doc = {}
    for gf in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gf.read_text(encoding="utf-8"))
        grecs = gold["records"]
        precs = by_doc.get(gold["doc"], [])
        pairs = match(precs, grecs)
        n_pred += len(precs)
        n_gold += len(grecs)
        n_match += len(pairs)
        per_doc[gold["doc"]] = {"gold": len(grecs), "extracted": len(precs), "matched": len(pairs)}
        if diff is not None:
            diff += [f"{gold['doc']}: MISSED {g.get('kind')} {g.get('title')!r} {g.get('source_lines')}"
                     for j, g in enumerate(grecs) if j not in {b for _, b in pairs}]
            diff += [f"{gold['doc']}: EXTRA {p.get('kind')} {p.get('title')!r} {p.get('source_lines')}"
                     for i, p in enumerate(precs) if i not in {a for a, _ in pairs}]
        for i, j in pairs:
            p, g = precs[i], grecs[j]
            for f in FIELDS:
                if f in LIST_FIELDS:
                    c = set_counts(f, p.get(f) or [], g.get(f) or [])
                else:
                    c = scalar_counts(f, p.get(f), g.get(f))
                for k in range(3):
                    counts[f][k] += c[k]
                if diff is not None and (c[1] or c[2]) and f != "themes":
                    pv, gv = p.get(f), g.get(f)
                    if f == "partners":
                        pv = [(x["name"], x.get("role")) for x in pv or []]
                        gv = [(x["name"], x.get("role")) for x in gv or []]
                    diff.append(f"{gold['doc']}: {str(g.get('title'))[:40]!r} {f}: got {pv!r} want {gv!r}")
    org_counts = [0, 0, 0]
    for gf in sorted(gold_dir.glob("*.json")):
        gold = json.loads(gf.read_text(encoding="utf-8"))
        names = {r.get("source_document") for r in export["records"]}
        if gold["doc"] not in names:
            continue
        pred_orgs = export.get("organizations_by_document", {}).get(gold["doc"])
        if pred_orgs is None or not gold.get("organizations"):
            continue  # no organisations labelled for this document
        c = set_counts("partners", [{"name": o["name"] + (f" ({o['acronym']})" if o.get("acronym") else "")}
                                    for o in pred_orgs],
                       [{"name": o["name"] + (f" ({o['acronym']})" if o.get("acronym") else "")}
                        for o in gold.get("organizations", [])])
        for k in range(3):
            org_counts[k] += c[k]
    prec = n_match / n_pred if n_pred else 0.0
    rec = n_match / n_gold if n_gold else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    field_f1 = {}
    for f, (tp, fp, fn) in counts.items():
        if tp + fp + fn == 0:
            continue
        field_f1[f] = round(2 * tp / (2 * tp + fp + fn), 3)
    mean = sum(field_f1.values()) / len(field_f1) if field_f1 else 0.0
    no_themes = [v for k, v in field_f1.items() if k != "themes"]
    out = {
        "records": {"gold": n_gold, "extracted": n_pred, "matched": n_match, "precision": round(prec, 3),
                    "recall": round(rec, 3), "f1": round(f1, 3)},
        "field_f1": field_f1,
        "mean_field_f1": round(mean, 3),
        "mean_field_f1_without_themes": round(sum(no_themes) / len(no_themes), 3) if no_themes else 0.0,
        "per_document": per_doc,
    }
    tp, fp, fn = org_counts
    if tp + fp + fn:
        out["organizations"] = {"precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
                                "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
                                "f1": round(2 * tp / (2 * tp + fp + fn), 3)}
    return out


def _rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def throughput(files: list[Path], copies: int) -> dict[str, Any]:
    """Ingest `copies` renamed copies of the documents into a fresh SQLite file (the default pipeline, store
    included), sampling memory as it goes: the figure for "memory flat in the number of documents"."""
    from initiatives.cli.ingest import ingest_paths
    from initiatives.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        _copies(files, folder, copies)
        store = Store.open(f"sqlite:///{tmp}/throughput.db")
        samples = []
        t0, c0 = time.perf_counter(), time.process_time()
        for k in range(copies):
            ingest_paths(store, [folder / f"copy{k:03d}"], author="bench")
            samples.append(_rss_mb())
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        store.close()
    n = copies * len(files)
    return {"documents": n, "docs_per_s": round(n / secs, 1), "docs_per_cpu_s": round(n / cpu, 1),
            "rss_mb_after_first_copy": round(samples[0], 1), "rss_mb_at_end": round(samples[-1], 1)}


def _copies(files: list[Path], folder: Path, copies: int) -> None:
    for k in range(copies):
        sub = folder / f"copy{k:03d}"
        sub.mkdir(parents=True)
        for f in files:
            (sub / f"{k:03d}_{f.name}").write_bytes(f.read_bytes())


def statements_per_document(files: list[Path]) -> float:
    """SQL statements the store sends per document on a first ingest (counted at the driver)."""
    from sqlalchemy import event

    from initiatives.cli.ingest import ingest_paths
    from initiatives.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        _copies(files, Path(tmp) / "docs", 1)
        store = Store.open(f"sqlite:///{tmp}/count.db")
        n = [0]
        event.listen(store.engine, "before_cursor_execute", lambda *a: n.__setitem__(0, n[0] + 1))
        summary = ingest_paths(store, [Path(tmp) / "docs"], author="bench")
        store.close()
    return round(n[0] / max(summary.documents, 1), 1)


def cli_runs(files: list[Path], copies: int) -> dict[str, Any]:
    """`initiatives ingest FOLDER` as a user runs it (a new process, fresh SQLite file), with and without the
    embedding step at its end. docs/s over wall time and over the process's own CPU time (the one-core
    figure, steadier than wall time when other jobs share the machine), and the process's peak RSS."""
    import os
    import subprocess

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        _copies(files, folder, copies)
        n = copies * len(files)
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        (Path(tmp) / "empty").mkdir()
        t0 = time.perf_counter()  # the fixed cost of a run: start-up, imports, creating the database
        subprocess.run([sys.executable, "-m", "initiatives", "ingest", str(Path(tmp) / "empty"), "--db",
                        str(Path(tmp) / "empty.db"), "--quiet", "--no-embed"], env=env, capture_output=True)
        out["startup_seconds"] = startup = round(time.perf_counter() - t0, 2)
        for label, extra in (("default", []), ("with_embed", ["--embed"])):
            db = Path(tmp) / f"{label}.db"
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "initiatives", "ingest", str(folder), "--db", str(db),
                                   "--quiet", *extra], env=env, capture_output=True, text=True)
            secs = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            out[label] = {"documents": n, "exit_code": proc.returncode, "seconds": round(secs, 2),
                          "docs_per_s": round(n / secs, 1), "docs_per_cpu_s": round(n / cpu, 1),
                          "docs_per_s_after_startup": round(n / max(secs - startup, 1e-9), 1),
                          "child_peak_rss_mb": round(after.ru_maxrss / 1024, 1),
                          "summary": proc.stdout.strip().splitlines()[:2]}
    return out


def large_document(kb: int, shape: str = "prose") -> dict[str, Any]:
    """One long text naming thousands of initiatives (fixed seed), ingested by the CLI into a fresh SQLite file: the
    figure for "no step looks at every other record" (a 476 KB text took ~160 s before that was fixed).
    `prose`: random Title Case names ending in an initiative noun, each in a sentence with a partner and a country.
    `listing`: entries of a country desk's listing (a country line in capitals, a title, a sentence with an
    amount), which the structural segmenter (`ingest/repetition.py`) reads."""
    import os
    import random
    import subprocess

    rng = random.Random(7)
    syll = ["ka", "lo", "mi", "ra", "tu", "ven", "sol", "dar", "mek", "pli", "zor", "an", "be", "cu", "do", "fe"]
    words = ["".join(rng.choice(syll) for _ in range(rng.randint(2, 4))).title() for _ in range(5000)]
    nouns = ["Fund", "Programme", "Initiative", "Alliance", "Summit", "Forum", "Partnership", "Project", "Facility",
             "Network"]
    parts, size = [], 0
    while size < kb * 1024:
        name = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4))) + " " + rng.choice(nouns)
        if shape == "listing":
            line = (f"{rng.choice(['KENYA', 'PERU', 'NEPAL', 'GHANA', 'FIJI'])}\n{name} {len(parts) + 1}\n"
                    f"Works with the {rng.choice(words)} Ministry from March 2021 to June 2024, with USD "
                    f"{rng.randint(1, 90) * 10},000.\n\n")
        else:
            line = (f"The {name} works with {rng.choice(words)} {rng.choice(words)} in "
                    f"{rng.choice(['Kenya', 'Peru', 'Nepal'])}. ") + ("\n\n" if rng.random() < 0.3 else "")
        parts.append(line)
        size += len(line)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.txt"
        path.write_text("".join(parts), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "initiatives", "ingest", str(path), "--db",
                               str(Path(tmp) / "large.db"), "--quiet", "--no-embed"], env=env, capture_output=True,
                              text=True)
        secs = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"kb": round(len("".join(parts).encode()) / 1024), "shape": shape, "seconds": round(secs, 2),
            "cpu_seconds": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2),
            "child_peak_rss_mb": round(after.ru_maxrss / 1024, 1), "exit_code": proc.returncode,
            "summary": proc.stdout.strip().splitlines()[:1]}


def ingest_and_export(docs: Path, copies: int = 0, cli: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    from initiatives.cli.ingest import ingest_paths
    from initiatives.ingest.pipeline import extract
    from initiatives.interop import registry_json
    from initiatives.store import Store

    files = sorted(p for p in docs.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise SystemExit(f"no documents under {docs}")
    # extraction speed alone (read -> segment -> extract -> normalise), repeated for a stable figure
    extract(files[0])  # warm caches (country tables, regexes)
    rounds, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < 2.0:
        for f in files:
            extract(f)
        rounds += 1
    extract_rate = rounds * len(files) / (time.perf_counter() - t0)
    extract_cpu_rate = rounds * len(files) / (time.process_time() - c0)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/bench.db")
        t1 = time.perf_counter()
        summary = ingest_paths(store, [docs], author="bench")
        ingest_secs = time.perf_counter() - t1
        t2 = time.perf_counter()
        again = ingest_paths(store, [docs], author="bench")
        reingest_secs = time.perf_counter() - t2
        export = registry_json.export(store.list_initiatives(), store.organizations(), store.findings())
        store.close()
    # organisations per document, straight from the pipeline (the store merges them across documents)
    export["organizations_by_document"] = {
        f.name: [{"name": o.name, "acronym": o.acronym} for o in extract(f).organizations] for f in files}
    timing = {
        "documents": summary.documents,
        "failed": summary.failed,
        "extract_docs_per_s": round(extract_rate, 1),
        "extract_docs_per_cpu_s": round(extract_cpu_rate, 1),
        "sql_statements_per_document": statements_per_document(files),
        "ingest_docs_per_s": round(summary.documents / ingest_secs, 1),
        "reingest_unchanged": again.unchanged, "reingest_created": again.created, "reingest_updated": again.updated,
        "reingest_docs_per_s": round(summary.documents / reingest_secs, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if copies:
        timing["throughput"] = throughput(files, copies)
        if cli:
            timing["cli"] = cli_runs(files, copies)
        timing["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    try:
        timing["load_average_1min"] = round(__import__("os").getloadavg()[0], 2)
    except OSError:
        pass
    return export, timing


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()),
                  ROOT.parent / "shared")
    ap.add_argument("--docs", type=Path, default=shared / "seeds")
    ap.add_argument("--gold", type=Path, default=shared / "gold")
    ap.add_argument("--export", type=Path, help="score this JSON export instead of ingesting --docs")
    ap.add_argument("--copies", type=int, default=10,
                    help="also ingest this many renamed copies of --docs for throughput and memory (0: skip)")
    ap.add_argument("--cli", action="store_true",
                    help="also time `initiatives ingest` on the copies in a new process, with and without embedding")
    ap.add_argument("--large-kb", type=int, default=0,
                    help="also time the CLI on one generated text of this many KB naming thousands of initiatives")
    ap.add_argument("--large-shape", choices=("prose", "listing"), default="prose",
                    help="what the generated --large-kb text is: names in sentences, or a country desk's listing")
    ap.add_argument("--diff", action="store_true",
                    help="also list, on stderr, every missed or extra record and every field that differs from gold")
    args = ap.parse_args()
    timing: dict[str, Any] = {}
    if args.export:
        export = json.loads(args.export.read_text(encoding="utf-8"))
    else:
        export, timing = ingest_and_export(args.docs, args.copies, args.cli)
    diff: list[str] | None = [] if args.diff else None
    result = score(export, args.gold, diff)
    if args.large_kb:
        timing["large_document"] = large_document(args.large_kb, args.large_shape)
        timing["load_average_1min_after_large"] = round(__import__("os").getloadavg()[0], 2)
    result["timing"] = timing
    print(json.dumps(result, indent=2))
    if diff:
        print("\n".join(diff), file=sys.stderr)


if __name__ == "__main__":
    main()
