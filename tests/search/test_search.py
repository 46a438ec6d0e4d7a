"""Full-text search with filters and facets: the same contract on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from testdata import GOLD
from initiatives.errors import InputError
from initiatives.interop import registry_json
from initiatives.search import parse, search
from initiatives.search.engine import MARK_END, MARK_START
from initiatives.store import Store


@pytest.fixture
def loaded(store: Store) -> Store:
    for path in sorted(GOLD.glob("*.json")):
        store.save_batch(registry_json.read(path))
    return store


def _all_gold_records() -> list[dict]:
    return [r for p in sorted(GOLD.glob("*.json")) for r in json.loads(p.read_text())["records"]]


def test_words_rank_the_records_about_them_first(loaded: Store) -> None:
    result = search(loaded, "internet governance forum")
    top = [h.initiative.code for h in result.hits[:3]]
    assert all(code and code.startswith("GLO") for code in top), top
    assert result.hits[0].score >= result.hits[-1].score
    assert any(MARK_START in h.snippet and MARK_END in h.snippet for h in result.hits)


def test_phrase_and_exclusion(loaded: Store) -> None:
    phrase = search(loaded, '"open government data"')
    assert "ROA-264-9" in {h.initiative.code for h in phrase.hits}
    loose = search(loaded, "open government data")
    assert loose.total >= phrase.total
    without = search(loaded, "internet governance -Turkey")
    assert without.total < search(loaded, "internet governance").total
    assert "GLO14X01" not in {h.initiative.code for h in without.hits}


def test_filters_match_the_records_fields(loaded: Store) -> None:
    gold = _all_gold_records()
    npl = search(loaded, "country:NPL", limit=100)
    assert npl.total == sum("NPL" in r["countries"] for r in gold) > 0
    assert search(loaded, "country:Nepal").total == npl.total
    pilots = search(loaded, "kind:pilot", limit=100)
    assert pilots.total == sum(r["kind"] == "pilot" for r in gold)
    done = search(loaded, "status:completed year:2014..2015", limit=100)
    assert done.total > 0
    for h in done.hits:
        rec = h.initiative
        assert rec.status == "completed"
        assert (rec.start is None or rec.start.year <= 2015) and (rec.end is None or rec.end.year >= 2014)
    big = search(loaded, "budget:>1.5m", limit=100)
    assert {h.initiative.code for h in big.hits} == {
        r["code"] for r in gold if r["budget"] and r["budget"]["amount"] > 1_500_000}
    escap = search(loaded, "partner:ESCAP", limit=100)
    assert escap.total >= 1 and all(any("ESCAP" in p.name for p in h.initiative.partners) for h in escap.hits)
    ldc = search(loaded, "group:LDC", limit=100)
    assert ldc.total == sum("LDC" in r["country_groups"] for r in gold)


def test_facets_count_the_whole_result_set(loaded: Store) -> None:
    result = search(loaded, "unicef", limit=3)
    all_hits = search(loaded, "unicef", limit=1000, with_facets=False).hits
    assert len(result.hits) == 3 and result.total == len(all_hits)
    kinds = Counter(h.initiative.kind for h in all_hits)
    assert dict(result.facets["kind"]) == dict(kinds)
    countries = Counter(c for h in all_hits for c in h.initiative.countries)
    for code, count in result.facets["country"]:
        assert countries[code] == count


@pytest.mark.parametrize("query", [
    '"unbalanced quote', "'; DROP TABLE initiatives; --", "NEAR(a b) OR * AND ^title:x", "colour:red",
    "e-government)", "-", '""', "sdg", "a" * 999,
])
def test_odd_input_is_plain_words(loaded: Store, query: str) -> None:
    result = search(loaded, query)
    assert result.total >= 0
    assert loaded.count_initiatives() > 0  # nothing was dropped


@pytest.mark.parametrize(("query", "field"), [
    ("x" * 1001, "q"), ("sdg:18", "sdg"), ("kind:festival", "kind"), ("country:Atlantis", "country"),
    ("year:soon", "year"), ("budget:lots", "budget"),
])
def test_bad_filters_are_clear_errors(query: str, field: str) -> None:
    with pytest.raises(InputError) as exc:
        parse(query)
    assert exc.value.field == field


def test_index_follows_edits_and_deletes(store: Store) -> None:
    from initiatives.model import Initiative

    rec = store.add_initiative(Initiative(code="Z1", title="Mangrove restoration pilot"), author="a")
    assert search(store, "mangrove").total == 1
    store.update_initiative(rec.id, {"title": "Coral reef monitoring"}, author="b")
    assert search(store, "mangrove").total == 0
    assert [h.initiative.code for h in search(store, "coral").hits] == ["Z1"]
    store.delete_initiative(rec.id, author="c")
    assert search(store, "coral").total == 0


def test_parse_reads_every_part() -> None:
    q = parse('digital "teacher training" -pilot country:KGZ,KAZ sdg:4 partner:Ministry_of_Education '
              'kind:programme status:ongoing year:2019.. budget:<=250k')
    assert q.words == ["digital"] and q.phrases == ["teacher training"] and q.excluded == ["pilot"]
    assert q.countries == ["KGZ", "KAZ"] and q.sdgs == [4] and q.partners == ["Ministry of Education"]
    assert q.kinds == ["programme"] and q.statuses == ["ongoing"]
    assert (q.year_from, q.year_to) == (2019, None)
    assert q.budget_op == "<=" and q.budget_value == 250_000


def test_other_views_narrow_their_own_selects(loaded: Store) -> None:
    from sqlalchemy import select

    from initiatives.search.engine import narrow, ranked_ids, snippets_for
    from initiatives.store.tables import InitiativeRow

    dialect = loaded.engine.dialect.name
    with loaded.transaction() as s:
        ids = narrow(select(InitiativeRow.id), "internet governance -Turkey kind:project", dialect)
        found = set(s.scalars(ids))
        expected = {h.initiative.id for h in search(loaded, "internet governance -Turkey kind:project",
                                                   limit=100).hits}
        assert found == expected and found
        ranked = ranked_ids(s, "internet governance", dialect, ids, limit=10)
        assert set(ranked) == found
        marks = snippets_for(s, "internet governance", dialect, ranked)
        assert all(MARK_START in v for v in marks.values()) and marks


def test_bulk_imports_are_searchable_too(sqlite_store: Store) -> None:
    """Large files go through the bulk insert path; their records must reach the index as well."""
    from pathlib import Path

    from initiatives.interop import formats
    from testdata import DATA

    path = DATA / "iati" / "activities" / "iom-xm-dac-47066-v2.03.xml"
    summary, _ = formats.import_file(sqlite_store, Path(path), author="t")
    assert summary.created == 577
    result = search(sqlite_store, "migration", limit=5)
    assert result.total > 50
    assert search(sqlite_store, "country:HTI").total == sqlite_store.count_initiatives(
        __import__("initiatives.store", fromlist=["InitiativeQuery"]).InitiativeQuery(country="HTI"))


def test_when_no_record_has_every_word_any_word_matches_best_first(store: Store) -> None:
    for path in sorted(GOLD.glob("*.json")):
        store.save_batch(registry_json.read(path))
    strict = search(store, "internet governance")
    assert not strict.relaxed and strict.total >= 3
    loose = search(store, "citizens taking part in policy making through ICT", limit=5)
    assert loose.relaxed and loose.total > 0 and loose.hits[0].initiative.code == "ROA 245-8A"
    assert search(store, "zyxwv qqqqj").total == 0  # no word matches: still nothing
    assert search(store, "governance -Turkey zyxwv").relaxed  # exclusions still hold when relaxed
    assert "GLO14X01" not in {h.initiative.code for h in search(store, "governance -Turkey zyxwv", limit=50).hits}
