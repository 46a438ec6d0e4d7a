"""Semantic search, similarity and hybrid ranking with the real packaged MiniLM model on the CPU."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from testdata import GOLD, REPO
from initiatives.errors import InputError
from initiatives.interop import registry_json
from optional import require
from initiatives.search import embeddings, search, semantic
from initiatives.store import Store

require(embeddings.available(), "the embedding model", "pip install '.[semantic]'", module=True)


@pytest.fixture(scope="module")
def model() -> embeddings.EmbeddingModel:
    return embeddings.default_model()


@pytest.fixture
def loaded(sqlite_store: Store, model: embeddings.EmbeddingModel) -> Store:
    for path in sorted(GOLD.glob("*.json")):
        sqlite_store.save_batch(registry_json.read(path))
    semantic.update_vectors(sqlite_store, model)
    return sqlite_store


def test_vectors_are_made_once_and_again_after_an_edit(loaded: Store, model: embeddings.EmbeddingModel) -> None:
    assert semantic.stale_ids(loaded, model.name) == []
    assert semantic.update_vectors(loaded, model) == 0
    rec = loaded.find_initiative("GLO14X01")
    loaded.update_initiative(rec.id, {"title": "9th IGF"}, author="t")
    assert semantic.stale_ids(loaded, model.name) == [rec.id]
    assert semantic.update_vectors(loaded, model) == 1


def test_deleting_and_adding_records_leaves_no_stale_or_orphan_vector(loaded: Store,
                                                                     model: embeddings.EmbeddingModel) -> None:
    from initiatives.model import Batch, Initiative

    last = max(r.id for r in loaded.list_initiatives())
    loaded.delete_initiative(last, author="t")  # SQLite may give the next record the same id
    assert semantic.stale_ids(loaded, model.name) == []
    loaded.save_batch(Batch(origin="t", initiatives=[
        Initiative(kind="event", code="HACK-1", title="Hackathon on open budgets")]))
    added = loaded.find_initiative("HACK-1")
    assert semantic.stale_ids(loaded, model.name) == [added.id]
    assert semantic.update_vectors(loaded, model) == 1 and semantic.stale_ids(loaded, model.name) == []


def test_vectors_are_unit_length_and_deterministic(model: embeddings.EmbeddingModel) -> None:
    a, b = model.encode(["open government data portal", "open government data portal"])
    assert a.shape == (384,) and abs(float(np.linalg.norm(a)) - 1.0) < 1e-4
    assert float(a @ b) > 0.9999


def test_similar_finds_the_same_series(loaded: Store) -> None:
    rec = loaded.find_initiative("GLO15X01")
    codes = [loaded.get_initiative(i).code for i, _ in semantic.similar_ids(loaded, rec.id, 2)]
    assert set(codes) == {"GLO14X01", "GLO11X01"}


@pytest.mark.parametrize(("need", "expected"), [
    ("drones for health deliveries", "Drone Testing Corridors"),
    ("help ministries publish datasets for transparency", "ROA-264-9"),
    ("young entrepreneurs social impact workshop", "UPSHIFT"),
])
def test_a_need_in_other_words_finds_the_initiative(loaded: Store, need: str, expected: str) -> None:
    result = search(loaded, need, mode="semantic", limit=3)
    labels = [h.initiative.code or h.initiative.title for h in result.hits]
    assert expected in labels, labels


def test_hybrid_uses_both_rankings_and_filters(loaded: Store) -> None:
    text_only = search(loaded, "digital learning content teachers", mode="text")
    hybrid = search(loaded, "digital learning content teachers", mode="hybrid", limit=10)
    assert hybrid.total >= text_only.total and hybrid.hits
    filtered = search(loaded, "digital learning content teachers kind:pilot", mode="hybrid", limit=50)
    assert filtered.hits and all(h.initiative.kind == "pilot" for h in filtered.hits)
    excluded = search(loaded, "internet governance -Turkey", mode="semantic", limit=50)
    assert "GLO14X01" not in {h.initiative.code for h in excluded.hits}


def test_hnsw_index_beyond_the_exact_limit(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(7)
    n, dim = semantic.EXACT_LIMIT + 2000, 32
    matrix = rng.normal(size=(n, dim)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    ids = np.arange(1, n + 1, dtype=np.int64)
    store = Store.open(f"sqlite:///{tmp_path / 'v.db'}")
    index = semantic.VectorIndex(ids=ids, matrix=matrix,
                                 hnsw=semantic._hnsw(store, "test-model", ids, matrix))
    assert index.hnsw is not None
    hits = sum(index.nearest(matrix[i], 1)[0][0] == ids[i] for i in range(0, n, 97))
    assert hits / len(range(0, n, 97)) >= 0.95  # approximate, but finds a vector itself
    exact = index.nearest(matrix[5], 3, allowed=[6, 7, 8])
    assert {i for i, _ in exact} == {6, 7, 8}
    assert (tmp_path / "v.db.test-model.usearch").exists()  # cached beside the database
    store.close()


def test_the_graph_follows_writes_without_a_rebuild_and_survives_a_restart(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from initiatives.model import Batch, Initiative
    from initiatives.store.tables import VectorRow

    monkeypatch.setattr(semantic, "EXACT_LIMIT", 300)  # the HNSW path, at a size a test can afford
    monkeypatch.setattr(semantic, "_cache", {})
    rng = np.random.default_rng(11)

    def unit(n: int) -> np.ndarray:
        m = rng.normal(size=(n, 32)).astype(np.float32)
        return m / np.linalg.norm(m, axis=1, keepdims=True)

    store = Store.open(f"sqlite:///{tmp_path / 'g.db'}")
    store.save_batch(Batch(origin="t", initiatives=[Initiative(kind="project", code=f"P{i}", title=f"Project {i}")
                                                    for i in range(500)]))
    ids = sorted(r.id for r in store.list_initiatives())
    with store.transaction() as s:
        s.execute(VectorRow.__table__.insert(), [{"initiative_id": i, "model": "m", "record_version": 1,
                                                  "vector": v.tobytes()} for i, v in zip(ids, unit(500))])
    first = semantic.load_index(store, "m")
    assert first.hnsw is not None and len(first.hnsw) == 500
    a, b, c = ids[10], ids[20], ids[30]
    old_b = first.vector_of(b).copy()

    def re_embed(i: int) -> np.ndarray:
        vec = unit(1)[0]
        with store.transaction() as s:
            s.execute(update(VectorRow).where(VectorRow.initiative_id == i)
                      .values(vector=vec.tobytes(), record_version=VectorRow.record_version + 1))
        return vec

    new_a = re_embed(a)
    store.delete_initiative(b, author="t")
    second = semantic.load_index(store, "m")
    assert second.hnsw is first.hnsw and len(second.hnsw) == 499  # moved in place, not rebuilt
    assert second.nearest(new_a, 1)[0][0] == a and b not in {i for i, _ in second.nearest(old_b, 5)}
    assert np.allclose(second.vector_of(a), new_a) and second.vector_of(b) is None

    new_c = re_embed(c)  # then the process restarts: the saved graph is restored and the changes replayed
    monkeypatch.setattr(semantic, "_cache", {})
    monkeypatch.setattr(semantic, "_hnsw", lambda *a, **k: pytest.fail("rebuilt instead of restored"))
    third = semantic.load_index(store, "m")
    assert third.hnsw is not first.hnsw and len(third.hnsw) == 499
    assert third.nearest(new_a, 1)[0][0] == a and third.nearest(new_c, 1)[0][0] == c
    assert b not in {i for i, _ in third.nearest(old_b, 5)}
    store.close()


def test_reciprocal_rank_fusion_prefers_agreement() -> None:
    fused = [i for i, _ in semantic.reciprocal_rank_fusion([1, 2, 3], [3, 1, 4])]
    assert fused[:2] == [1, 3] and set(fused) == {1, 2, 3, 4}


def test_without_the_model_package_the_feature_says_so() -> None:
    code = ("import sys; sys.modules['sentence_transformers'] = None\n"
            "from initiatives.search import embeddings\n"
            "assert not embeddings.available()\n"
            "try:\n    embeddings.MiniLM()\nexcept embeddings.SemanticUnavailable as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO / "src")}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "semantic search is not available" in out.stdout and "initiatives[semantic]" in out.stdout


def test_what_worked_elsewhere_ranks_peers_in_other_countries(loaded: Store) -> None:
    import datetime as dt

    from initiatives.search.elsewhere import profile, what_worked_elsewhere

    hits = what_worked_elsewhere(loaded, "Kyrgyzstan", "digital learning for teachers", k=5,
                                 today=dt.date(2026, 11, 21))
    assert hits and all("KGZ" not in h.initiative.countries for h in hits)
    assert hits[0].initiative.title == "Pathfinder pilot: Uzbekistan"
    assert {"LLDC", "Central Asia"} <= set(hits[0].shared)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # groups are read at a date: Nepal leaves the LDC list on 24 November 2026
    assert "LDC" in profile("NPL", dt.date(2026, 11, 21)) and "LDC" not in profile("NPL", dt.date(2027, 1, 1))
    with pytest.raises(InputError):
        what_worked_elsewhere(loaded, "Atlantis")
    with pytest.raises(InputError, match="give a theme"):
        what_worked_elsewhere(loaded, "Iceland")


def test_bf16_and_fp32_vectors_agree() -> None:
    """Where the CPU has native bf16 the model runs in it; the vectors must match fp32's."""
    code = ("import sys, numpy as np\nfrom initiatives.search.embeddings import MiniLM\n"
            "v = MiniLM().encode(['Clean water kiosks paid by mobile money', 'Open government data in Nepal'])\n"
            "np.save(sys.argv[1], v)\n")
    vecs = {}
    for precision in ("fp32", "bf16"):
        target = REPO / ".pytest_cache" / f"vec-{precision}.npy"
        target.parent.mkdir(exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "INITIATIVES_EMBED_PRECISION": precision}
        out = subprocess.run([sys.executable, "-c", code, str(target)], env=env, capture_output=True, text=True,
                             timeout=300)
        assert out.returncode == 0, out.stderr
        vecs[precision] = np.load(target)
    cosines = (vecs["fp32"] * vecs["bf16"]).sum(axis=1)
    assert cosines.min() > 0.999


def test_ingest_leaves_vectors_for_later_unless_asked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    docs = str(REPO / "examples" / "documents")
    plain = subprocess.run([sys.executable, "-m", "initiatives", "ingest", "--db", str(tmp_path / "a.db"), "-q", docs],
                           capture_output=True, text=True, env=env, timeout=300)
    assert plain.returncode == 0, plain.stderr
    assert "wait for vectors" in plain.stdout and "initiatives embed" in plain.stdout
    store = Store.open(f"sqlite:///{tmp_path / 'a.db'}")
    assert len(semantic.stale_ids(store, embeddings.MiniLM.name)) == store.count_initiatives() > 0
    store.close()
    out = subprocess.run([sys.executable, "-m", "initiatives", "ingest", "--db", str(tmp_path / "b.db"), "-q", "--embed",
                          docs], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "embedded for semantic search" in out.stdout
    store = Store.open(f"sqlite:///{tmp_path / 'b.db'}")
    assert store.count_initiatives() > 0 and semantic.stale_ids(store, embeddings.MiniLM.name) == []
    store.close()
