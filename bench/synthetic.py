"""Synthetic registry for the audit benchmark, built from real records in ../shared/data.

Real IATI activities (titles, descriptions, countries, dates, budgets; read with lxml) and Digital Public
Goods nominees give the sentences and fields. Each synthetic record takes 3-5 real sentences with every other
word swapped for another common real word, so texts use the sources' words but are not copies of each other.
Then duplicates (same initiative, new code, reworded title) and copied passages (30+ words of one record
pasted into another) are planted, and their record ids returned so the benchmark can check they are found.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from lxml import etree

from initiatives.model import Initiative
from initiatives.reference.countries import alpha2_to_alpha3


def _text(el) -> str:  # noqa: ANN001
    if el is None:
        return ""
    parts = el.xpath(".//narrative/text()") or [el.text or ""]
    return " ".join(p.strip() for p in parts if p and p.strip())


def real_records(data: Path) -> list[dict]:
    out = []
    for path in sorted((data / "iati" / "activities").glob("*.xml")):
        for _ev, act in etree.iterparse(str(path), tag="iati-activity", recover=True, huge_tree=True):
            title = _text(act.find("title"))
            desc = " ".join(_text(d) for d in act.findall("description"))
            countries = [alpha2_to_alpha3(c.get("code", "")) for c in act.findall("recipient-country")]
            dates = {d.get("type"): (d.get("iso-date") or "")[:10] for d in act.findall("activity-date")}
            start = dates.get("2") or dates.get("1") or dates.get("start-actual") or dates.get("start-planned")
            end = dates.get("4") or dates.get("3") or dates.get("end-actual") or dates.get("end-planned")
            if title and desc:
                out.append({"title": title, "summary": desc, "countries": [c for c in countries if c],
                            "start": start, "end": end})
            act.clear()
    for path in sorted((data / "dpg" / "nominees").glob("*.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        if d.get("name") and d.get("description"):
            out.append({"title": d["name"], "summary": d["description"], "countries": [], "start": None,
                        "end": None, "kind": "product"})
    return out


def build(data: Path, n: int, *, seed: int = 7, dup_share: float = 0.01, copy_share: float = 0.01
          ) -> tuple[list[Initiative], dict[str, list[tuple[int, int]]]]:
    rng = random.Random(seed)
    real = real_records(data)
    sentences = [s for r in real for s in re.split(r"(?<=[.!?])\s+", r["summary"]) if 6 <= len(s.split()) <= 60]
    from wordfreq import zipf_frequency

    common = {w for s in sentences for w in s.split() if w.isalpha() and len(w) > 3}
    common = {w for w in common if zipf_frequency(w, "en") >= 3.0}
    vocab = [w for s in sentences for w in s.split() if w in common]
    records: list[Initiative] = []
    for i in range(n):
        base = real[i % len(real)]
        words = []
        for s in rng.sample(sentences, rng.randint(3, 5)):
            words += [rng.choice(vocab) if rng.random() < 0.5 else w for w in s.split()]
        start, end = base["start"], base["end"]
        if start and end and start > end:
            start, end = end, start
        try:
            rec = Initiative(id=i + 1, kind=base.get("kind", "project"), code=f"SYN-{i:06d}",
                             title=f"{base['title'][:150]} {rng.choice(vocab)} {rng.choice(vocab)}",
                             summary=" ".join(words), countries=base["countries"][:5], start=start or None,
                             end=end or None)
        except ValueError:
            rec = Initiative(id=i + 1, code=f"SYN-{i:06d}", title=base["title"][:150], summary=" ".join(words))
        records.append(rec)
    planted: dict[str, list[tuple[int, int]]] = {"duplicate": [], "copied": []}
    ids = list(range(len(records)))
    rng.shuffle(ids)
    n_dup, n_copy = int(n * dup_share), int(n * copy_share)
    for src in ids[:n_dup]:
        r = records[src]
        words = (r.summary or "").split()
        if len(words) > 12:
            j = rng.randrange(len(words))
            words[j] = words[j].upper()  # a case change only: the same words
        title = (r.title or "").replace(" and ", " & ", 1)
        twin = r.model_copy(update={"id": len(records) + 1, "code": f"DUP-{src:06d}", "title": title,
                                    "summary": " ".join(words)})
        records.append(twin)
        planted["duplicate"].append((r.id, twin.id))  # type: ignore[arg-type]
    for k in range(n_copy):
        src, dst = ids[n_dup + 2 * k], ids[n_dup + 2 * k + 1]
        a, b = records[src], records[dst]
        words = (a.summary or "").split()
        if len(words) < 40:
            continue
        j = rng.randrange(0, len(words) - 35)
        passage = " ".join(words[j:j + 35])
        records[dst] = b.model_copy(update={"summary": f"{b.summary} {passage}"})
        planted["copied"].append((a.id, b.id))  # type: ignore[arg-type]
    return records, planted
