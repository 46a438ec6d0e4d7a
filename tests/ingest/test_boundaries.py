"""The learned boundary model: line features, decoding, the shipped weights, and the pipeline switch."""

from __future__ import annotations

import json

import pytest

from initiatives.ingest import boundaries
from initiatives.ingest.pipeline import extract
from initiatives.ingest.repetition import titled_entries

from .conftest import FIXTURE_GOLD

LISTING = """# Country projects

## Solar Pumps for Smallholders
Country: Kenya
Budget: USD 1,200,000
Duration: 2021-2024

## Clean Cookstoves Pilot
Country: Ghana
Budget: USD 450,000
Duration: 2022-2023
"""


def _feats(text: str) -> dict[int, list[str]]:
    lines, cues = boundaries.doc_lines_and_cues(text)
    return dict(boundaries.features(lines, cues))


def test_features_describe_shape_not_words() -> None:
    f = _feats(LISTING)
    assert set(f) == {0, 2, 3, 4, 5, 7, 8, 9, 10}  # blank lines have none
    head = f[2]
    assert "m=h2" in head and "bb" in head and "rep=2" in head  # a level-2 heading, after a blank, seen twice
    assert "nx_money1" in head and "nx_country1" in head and "nx_strong=3" in head  # its next lines hold fields
    assert "label" in f[3] and "c=country" in f[3] and "p:m=h2" in f[3]
    assert "doc_first" in f[0] and "doc_first" not in f[2]
    assert not any("Solar" in name or "Kenya" in name for feats in f.values() for name in feats)


def test_features_of_tables_and_items() -> None:
    f = _feats("| Name | Country |\n|---|---|\n| Water Kiosks | Mali |\n\n- **Kilimo Data** (Tanzania), $2m\n")
    assert "table_header" in f[0] and "m=tablesep" in f[1] and "table_body" in f[2]
    assert "m=bullet" in f[4] and "c=money" in f[4]


def test_gold_labels_from_source_lines() -> None:
    labels = boundaries.gold_labels(8, [(2, 4), (6, 7), (3, 3)])
    assert labels == ["O", "B", "B", "I", "O", "B", "I", "O"]
    # without nested records, a record inside another one opens nothing
    assert boundaries.gold_labels(8, [(2, 4), (3, 3)], nested=False) == ["O", "B", "I", "I", "O", "O", "O", "O"]


def _toy() -> boundaries.Model:
    """B on headings, I on labelled lines, O otherwise; transitions allow anything but O -> I."""
    return boundaries.Model({
        "labels": ["B", "I", "O"], "intercept": [0.0, 0.0, 0.5],
        "weights": {"m=h2": [5.0, 0.0, 0.0], "label": [0.0, 5.0, 0.0]},
        "transitions": [[-1.0, -0.5, -1.0], [-1.0, -0.5, -1.0], [-1.0, -30.0, -0.5]], "start": [-1.0, -30.0, -0.5]})


def test_decode_and_spans_on_a_small_listing() -> None:
    model = _toy()
    assert boundaries.spans(LISTING, model=model) == [(3, 6), (8, 11)]
    scores = model.scores(["m=h2"])
    assert scores[0] == max(scores) and abs(sum(2.718281828 ** s for s in scores) - 1) < 1e-6
    # an inside line cannot follow the outside: a labelled line alone after a paragraph stays outside an entry
    assert model.decode([["x"], ["label"]]) != ["O", "I"]


def test_model_rejects_weights_of_other_labels() -> None:
    with pytest.raises(ValueError, match="labels"):
        boundaries.Model({"labels": ["B", "O"], "intercept": [0, 0], "weights": {}, "transitions": [], "start": []})


def test_titled_entries_take_the_heading_or_a_table_cell() -> None:
    lines = LISTING.split("\n")
    found = titled_entries(lines, [(3, 6), (8, 11)])
    assert [e.title for e in found] == ["Solar Pumps for Smallholders", "Clean Cookstoves Pilot"]
    row = titled_entries(["| Mali | Water Kiosks Project | 2021 |"], [(1, 1)])[0]
    assert row.title == "Water Kiosks Project"


def test_shipped_weights_load_and_segment_a_listing() -> None:
    data = json.loads(boundaries.WEIGHTS.read_text(encoding="utf-8"))
    assert data["labels"] == ["B", "I", "O"]
    assert all(name.startswith("heldout") or name == "examples" for name in data["trained_on"])  # never the seeds
    model = boundaries.Model(data)
    folder = FIXTURE_GOLD.parent / "heldout15"  # a portfolio of `CODE: Title (years)` lines with indented fields
    text = (folder / "docs" / "portfolio-indented.txt").read_text(encoding="utf-8")
    gold = json.loads((folder / "gold" / "portfolio-indented.json").read_text())
    found = boundaries.spans(text, model=model)
    assert [a for a, _b in found] == sorted(r["source_lines"][0] for r in gold["records"])


def test_pipeline_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    path = FIXTURE_GOLD.parent / "heldout15" / "docs" / "portfolio-indented.txt"
    monkeypatch.setenv("INITIATIVES_BOUNDARIES", "off")
    rules = extract(path).initiatives
    monkeypatch.setenv("INITIATIVES_BOUNDARIES", "model")
    model = extract(path).initiatives
    assert [(r.title, r.source_lines) for r in model] == [
        ("Digital Extension for Smallholders", (4, 8)), ("Animal Traceability for Export Markets", (10, 14)),
        ("National Soil Information Systems", (16, 20))]
    assert {r.extras["segment"] for r in model} == {"boundaries"}
    assert {r.extras["segment"] for r in rules} != {"boundaries"}
    monkeypatch.setenv("INITIATIVES_BOUNDARIES", "nonsense")
    assert boundaries.mode() == "off"
    assert [r.title for r in extract(path).initiatives] == [r.title for r in rules]


def test_unreadable_weights_give_one_clear_error(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "weights.json"
    bad.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(boundaries, "WEIGHTS", bad)
    boundaries._shipped.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="unreadable.*INITIATIVES_BOUNDARIES=off"):
            boundaries.current()
    finally:
        boundaries._shipped.cache_clear()
