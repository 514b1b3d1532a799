"""Building, publishing and searching the knowledge index with the real model."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.__main__ import main
from indexer.build import BuildError, build, current_version
from indexer.embedder import TorchEmbedder, resolve_model
from indexer.search import KnowledgeIndex, Searcher

pytestmark = pytest.mark.model


@pytest.fixture
def index_copy(shipped_index: Path, tmp_path: Path) -> Path:
    """A copy of the shipped index, so a rebuild reuses its vectors (as the Hub's does)."""
    shutil.copytree(shipped_index, tmp_path / "index")
    return tmp_path / "index"


def _searcher(index_dir: Path, embedder) -> Searcher:  # type: ignore[no-untyped-def]
    return Searcher(KnowledgeIndex.load_current(index_dir), embedder)


def test_onnx_vectors_equal_the_sentence_transformers_model(embedder) -> None:  # type: ignore[no-untyped-def]
    texts = ["what works for county lines", "burglary " * 400, "CL"]
    reference = TorchEmbedder(resolve_model(None)).embed(texts)
    assert abs(embedder.embed(texts) - reference).max() < 1e-5


def test_published_version_has_its_metadata(shipped_index: Path) -> None:
    version = current_version(shipped_index)
    meta = json.loads((shipped_index / "versions" / version / "meta.json").read_text())
    assert meta["model"] == "all-MiniLM-L6-v2" and meta["dimension"] == 384
    assert meta["entries"] == 60 and meta["passages"] > meta["entries"]
    assert meta["index_type"] == "flat" and len(meta["source_hash"]) == 64 and meta["built_at"]


def test_the_closest_passages_are_those_of_an_exact_search_with_exact_similarities(shipped_index: Path) -> None:
    index = KnowledgeIndex.load_current(shipped_index)
    rng = np.random.default_rng(7)
    # Questions near passages (as real ones are) and far from all of them.
    near = index.vectors[rng.integers(0, len(index.vectors), 20)] + rng.normal(0, 0.05, (20, 384))
    far = rng.normal(0, 1, (20, 384))
    for vector in np.concatenate([near, far]).astype(np.float32):
        vector /= np.linalg.norm(vector)
        rows, similarities = index.closest_passages(vector, 100)
        exact = index.vectors @ vector
        assert list(rows) == list(np.argsort(-exact, kind="stable")[:100])
        assert np.allclose(similarities, exact[rows], rtol=0, atol=1e-6)
    assert len(index.closest_passages(vector, 5000)[0]) == len(index.vectors)


def test_abbreviations_typos_and_filters(shipped_index: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    searcher = _searcher(shipped_index, embedder)
    top = [h.id for h in searcher.search("what works for CL").results]
    assert top[0].startswith("county-lines")
    assert "cuckooing-closure-orders" in [h.id for h in searcher.search("cuckooing", k=3).results]
    assert searcher.search("burgalry prevention for repeat victims").results[0].id == "repeat-burglary-cocooning"
    practice = searcher.search("knife crime", kind="practice")
    assert practice.results and all(h.kind == "practice" for h in practice.results)
    typed = searcher.search("what works", crime_type="domestic-abuse", k=10)
    assert typed.results and all("domestic-abuse" in h.entry["crime_types"] for h in typed.results)
    nothing = searcher.search("badger sett interference")
    assert nothing.no_good_match


def test_a_tagged_abbreviation_that_is_also_a_word_is_read_only_in_capitals(  # type: ignore[no-untyped-def]
    shipped_index: Path, embedder
) -> None:
    searcher = _searcher(shipped_index, embedder)
    index = searcher.index
    assert "Problem-oriented policing" in index.read("POP vs reactive policing")[2]
    answered = searcher.search("POP vs reactive policing")
    assert not answered.no_good_match and answered.results[0].id == "problem-oriented-policing"
    assert "Problem-oriented" not in index.read("pop round the shop for a chat with staff")[2]
    assert "Problem-oriented" not in index.read("POP ROUND THE SHOP FOR A CHAT")[2]  # shouted, not abbreviated


def test_a_numbered_abbreviation_is_read_when_another_tag_spells_it_out(  # type: ignore[no-untyped-def]
    shipped_index: Path, embedder
) -> None:
    searcher = _searcher(shipped_index, embedder)
    assert "Stop and search for weapons" in searcher.index.read("s60 worth it?")[2]  # tagged S60 and "section 60"
    answered = searcher.search("s60 worth it?")
    assert not answered.no_good_match and answered.results[0].id == "stop-and-search-weapons"
    assert searcher.search("s60 authorisation criteria").no_good_match  # a point of law, however close


def test_a_tagged_abbreviation_is_read_in_the_plural(shipped_index: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    searcher = _searcher(shipped_index, embedder)
    assert "Stop and search for weapons" in searcher.index.read("s60s - do they actually work?")[2]
    answered = searcher.search("s60s - do they actually work?")
    assert not answered.no_good_match and answered.results[0].id == "stop-and-search-weapons"
    assert "(DVPN/DVPO)" in searcher.index.read("any evidence DVPNs stop him coming back")[2]
    assert "(DVPN/DVPO)" not in searcher.index.read("any evidence DVDs stop him coming back")[2]


def test_slang_is_read_through_the_published_glossary(shipped_index: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    searcher = _searcher(shipped_index, embedder)
    assert len(searcher.index.slang) > 500  # the glossary is published with the version
    result = searcher.search("scrotes nicking motors off driveways at night")
    assert not result.no_good_match and result.results[0].id == "keyless-car-theft-prevention"
    # The brand officers know forensic marking by, which no entry names.
    branded = searcher.search("smartwater for shed breaks")
    assert not branded.no_good_match and branded.results[0].id == "property-marking"
    # A phrase typed with its g dropped is read once its spelling is mended.
    assert "pub closing time" in searcher.index.read("chuckin out time at the rank every sat")[2]
    # The scheme as officers name it, not as its entry does.
    angela = searcher.search("angela scheme refresher training")
    assert not angela.no_good_match and angela.results[0].id == "ask-for-angela"


def test_everyday_wording_is_answered_on_keyword_evidence_where_meaning_alone_falls_short(
    shipped_index: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    searcher = _searcher(shipped_index, embedder)
    result = searcher.search("forensic marking of bikes at the uni freshers fair")
    # Far from every entry in meaning, but the best entry shares its keywords.
    assert result.evidence.cosine < 0.5 and result.evidence.rare_terms > 1.2
    assert not result.no_good_match and result.results[0].id == "property-marking"
    assert result.probability >= searcher.no_match.threshold
    unrelated = searcher.search("horse riders hit by cars on country lanes")
    assert unrelated.no_good_match and unrelated.probability < searcher.no_match.threshold
    assert unrelated.results  # the closest entry is still there for the card to show as such


def test_a_repeated_word_weighs_once_in_the_keyword_match(shipped_index: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    lexical = _searcher(shipped_index, embedder).index.lexical
    once = lexical.scores("knife amnesty")
    assert once.max() > 0
    assert (lexical.scores("knife knife amnesty amnesty Knife") == once).all()


def test_more_results_pages_without_repeats(shipped_index: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    searcher = _searcher(shipped_index, embedder)
    first = searcher.search("violence in the night-time economy", k=5)
    second = searcher.search("violence in the night-time economy", k=5, offset=5)
    assert len(second.results) == 5
    assert not {h.id for h in first.results} & {h.id for h in second.results}


def test_near_duplicates_are_collapsed(knowledge_copy: Path, index_copy: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    original = knowledge_copy / "research" / "hot-spots-policing.md"
    copy = original.read_text().replace("id: hot-spots-policing", "id: hot-spots-policing-2019")
    (knowledge_copy / "research" / "hot-spots-policing-2019.md").write_text(copy)
    build(knowledge_copy, index_copy, embedder)
    results = _searcher(index_copy, embedder).search("hot spots policing", k=5).results
    ids = [h.id for h in results]
    assert ids.count("hot-spots-policing") + ids.count("hot-spots-policing-2019") == 1
    assert set(results[ids.index(next(i for i in ids if i.startswith("hot-spots")))].duplicates) & {
        "hot-spots-policing", "hot-spots-policing-2019"}


def test_rebuild_embeds_only_the_edited_entry_and_skips_an_unchanged_base(
    knowledge_copy: Path, index_copy: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    index_dir = index_copy
    first_meta = json.loads((index_dir / "versions" / current_version(index_dir) / "meta.json").read_text())
    assert first_meta["embedded_passages"] == first_meta["distinct_passages"]  # a first build embeds all

    first = build(knowledge_copy, index_dir, embedder)
    assert not first.published and first.version == first_meta["version"]

    entry = knowledge_copy / "research" / "alley-gating.md"
    entry.write_text(entry.read_text().replace("## Effect", "## Effect\nGates were fitted to 3,000 alleys.\n", 1))
    second = build(knowledge_copy, index_dir, embedder)
    assert second.published and second.version != first.version
    assert second.embedded_entries == 1
    assert 1 <= second.embedded_passages <= 2
    assert current_version(index_dir) == second.version


def test_an_entry_is_found_by_the_way_officers_ask_for_it(
    knowledge_copy: Path, index_copy: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    question = "what came of operation kestrel"  # a local name the evidence never uses
    before = _searcher(index_copy, embedder).search(question)
    assert before.no_good_match

    entry = knowledge_copy / "research" / "hot-spots-policing.md"
    text = entry.read_text()
    asked = '  - "what came of operation kestrel on the high street"\n'
    entry.write_text(text.replace("asked:\n", "asked:\n" + asked, 1) if "asked:\n" in text
                     else text.replace("\n---\n", "\nasked:\n" + asked + "---\n", 1))
    report = build(knowledge_copy, index_copy, embedder)
    assert report.published and report.embedded_entries == 1 and report.embedded_passages == 1

    after = _searcher(index_copy, embedder).search(question)
    assert not after.no_good_match and after.results[0].id == "hot-spots-policing"
    assert after.evidence.cosine > 0.8 and after.evidence.margin > 0.3  # far ahead of the next entry


def test_the_spelling_vocabulary_after_edits_equals_a_count_from_scratch(
    knowledge_copy: Path, index_copy: Path, embedder, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """The vocabulary the spelling correction uses is updated from the served version on an
    incremental build; it must come out as a fresh build would count it."""
    edited = knowledge_copy / "research" / "alley-gating.md"
    edited.write_text(edited.read_text().replace("## Effect", "## Effect\nGatekeepers zeppelin-proofed the ginnels.\n", 1))
    (knowledge_copy / "research" / "improved-street-lighting.md").unlink()
    cctv = (knowledge_copy / "research" / "cctv-surveillance.md").read_text()
    (knowledge_copy / "research" / "cctv-in-car-parks.md").write_text(
        cctv.replace("id: cctv-surveillance", "id: cctv-in-car-parks").replace("## ", "## Car parks: ", 1))
    incremental = build(knowledge_copy, index_copy, embedder)
    fresh = build(knowledge_copy, tmp_path / "fresh-index", embedder)

    def vocabulary(index_dir: Path, version: str) -> dict:
        return json.loads((index_dir / "versions" / version / "vocabulary.json").read_text())

    counted = vocabulary(index_copy, incremental.version)
    assert counted == vocabulary(tmp_path / "fresh-index", fresh.version)
    assert counted["ginnels"] == 1 and "zeppelin" in counted


def test_an_edited_base_keeps_its_hnsw_graph_and_searches_as_a_fresh_build_would(
    knowledge_copy: Path, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    import indexer.build as building

    monkeypatch.setattr(building, "APPROXIMATE_ABOVE", 50)  # the shipped base is HNSW-sized here
    index_dir = tmp_path / "index"
    first = build(knowledge_copy, index_dir, embedder)
    meta = lambda version: json.loads((index_dir / "versions" / version / "meta.json").read_text())  # noqa: E731
    assert meta(first.version)["index_type"] == "hnsw" and not meta(first.version)["graph_reused"]
    rows = meta(first.version)["rows"]

    entry = knowledge_copy / "research" / "alley-gating.md"
    entry.write_text(entry.read_text().replace("## Effect", "## Effect\nGates were fitted to 3,000 alleys.\n", 1))
    (knowledge_copy / "research" / "improved-street-lighting.md").unlink()
    second = build(knowledge_copy, index_dir, embedder)
    after = meta(second.version)
    assert after["graph_reused"] and after["rows"] == rows + second.embedded_passages
    assert after["rows"] > after["distinct_passages"]  # the removed entry's passages stay, unreferenced

    fresh_dir = tmp_path / "fresh"
    build(knowledge_copy, fresh_dir, embedder)
    kept, fresh = _searcher(index_dir, embedder), _searcher(fresh_dir, embedder)
    for question in ("what works for burglary", "alley gates", "street lighting and crime", "knife crime", "CL"):
        assert [h.id for h in kept.search(question).results] == [h.id for h in fresh.search(question).results]
    assert "improved-street-lighting" not in [h.id for h in kept.search("street lighting").results]

    # Once unreferenced rows pass a tenth of the graph, it is built afresh.
    for name in sorted((knowledge_copy / "research").glob("*.md"))[:8]:
        name.unlink()
    third = build(knowledge_copy, index_dir, embedder)
    assert not meta(third.version)["graph_reused"]
    assert meta(third.version)["rows"] == meta(third.version)["distinct_passages"]


def test_an_unchanged_base_is_republished_when_its_size_calls_for_the_other_dense_index(
    knowledge_copy: Path, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    import indexer.build as building

    index_dir = tmp_path / "index"
    monkeypatch.setattr(building, "APPROXIMATE_ABOVE", 50)  # served approximate, as a larger base was
    approximate = build(knowledge_copy, index_dir, embedder)
    monkeypatch.undo()
    exact = build(knowledge_copy, index_dir, embedder)
    meta = json.loads((index_dir / "versions" / exact.version / "meta.json").read_text())
    assert exact.published and exact.version != approximate.version
    assert meta["index_type"] == "flat" and exact.embedded_passages == 0
    assert not build(knowledge_copy, index_dir, embedder).published  # and then nothing to do
    found = _searcher(index_dir, embedder).search("alley gates")
    assert found.results[0].id == "alley-gating" and not found.no_good_match


def test_a_failed_build_leaves_the_previous_version_serving(
    knowledge_copy: Path, index_copy: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    index_dir = index_copy
    first = build(knowledge_copy, index_dir, embedder)

    class Broken:
        name, dimension = embedder.name, embedder.dimension

        def embed(self, texts, *, batch_size=64):  # type: ignore[no-untyped-def]
            raise MemoryError("out of memory while embedding")

    entry = knowledge_copy / "practice" / "ask-for-angela.md"
    entry.write_text(entry.read_text() + "\nA new paragraph.\n")
    with pytest.raises(MemoryError):
        build(knowledge_copy, index_dir, Broken())
    assert current_version(index_dir) == first.version
    assert [p.name for p in (index_dir / "versions").iterdir()] == [first.version]

    for bad in knowledge_copy.rglob("*.md"):
        bad.write_text("not a knowledge file")
    with pytest.raises(BuildError):
        build(knowledge_copy, index_dir, embedder)
    assert current_version(index_dir) == first.version


def test_a_bad_file_is_left_out_and_reported_but_the_rest_are_indexed(
    knowledge_copy: Path, index_copy: Path, embedder  # type: ignore[no-untyped-def]
) -> None:
    (knowledge_copy / "research" / "broken.md").write_text("---\nid: broken\n---\n## Effect\nx\n")
    report = build(knowledge_copy, index_copy, embedder)
    assert report.published and report.entries == 60
    assert {(p.path, p.field) for p in report.problems} >= {("research/broken.md", "title")}
    meta = json.loads((index_copy / "versions" / report.version / "meta.json").read_text())
    assert any(p["path"] == "research/broken.md" for p in meta["problems"])


def test_search_cli_json_and_batch(shipped_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    env = {"INDEX_DIR": str(shipped_index), "MODEL_CACHE_DIR": "data/models"}
    assert main(["search", "what works for CL", "--k", "3", "--json"], env=env, out=out) == 0
    answer = json.loads(out.getvalue())
    assert answer["query"] == "what works for CL" and answer["no_good_match"] is False
    assert 0.5 < answer["probability"] <= 1.0  # calibrated: the base very likely answers it
    assert len(answer["results"]) == 3
    assert set(answer["results"][0]) == {"id", "title", "kind", "score"}

    lines = [
        json.dumps({"text": "domestic abuse repeat victims"}),
        json.dumps({"text": "knife crime", "kind": "practice"}),
        "not json",
        json.dumps({"text": "hare coursing what works", "crime_type": None, "kind": None}),
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    out = io.StringIO()
    assert main(["search", "--batch", "-"], env=env, out=out) == 1  # one bad line
    printed = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [p.get("query") for p in printed] == [
        "domestic abuse repeat victims", "knife crime", None, "hare coursing what works"]
    assert all(r["kind"] == "practice" for r in printed[1]["results"])
    assert printed[2] == {"line": 3, "error": "not JSON: Expecting value"}
    assert printed[3]["no_good_match"] is True and printed[3]["probability"] < 0.5


def test_the_model_is_exported_to_onnx_on_first_use(tmp_path: Path) -> None:
    from indexer.embedder import OnnxEmbedder, load_embedder

    exported = load_embedder(None, cache_dir=tmp_path, backend="onnx")
    assert isinstance(exported, OnnxEmbedder)
    assert [p.suffix for p in tmp_path.iterdir()] == [".onnx"]  # no temporary file left behind
    reference = TorchEmbedder(resolve_model(None)).embed(["what works for county lines"])
    assert abs(exported.embed(["what works for county lines"]) - reference).max() < 1e-5


def test_questions_are_embedded_with_8_bit_weights_close_to_the_model(tmp_path: Path) -> None:
    from indexer.embedder import OnnxEmbedder, load_embedder
    from indexer.query_embedder import QUERY_MIN_COSINE, load_query_embedder

    questions = ["what works for county lines", "bloke keeps hitting his missus, how do we change him",
                 "is scared straight effective", "CL"]
    reference = TorchEmbedder(resolve_model(None)).embed(questions)
    fast = load_query_embedder(None, cache_dir=tmp_path, precision="int8")
    assert isinstance(fast, OnnxEmbedder) and fast.precision == "int8"
    made = sorted(p.name for p in tmp_path.iterdir())
    assert len(made) == 2 and any("-q8b32" in name for name in made)  # the export and its 8-bit copy
    cosines = (fast.embed(questions) * reference).sum(axis=1)
    assert cosines.min() >= max(QUERY_MIN_COSINE, 0.999) and abs(fast.embed(questions) - reference).max() > 1e-5
    # Made once: a second load reuses the file.
    stamp = max(p.stat().st_mtime_ns for p in tmp_path.iterdir())
    load_query_embedder(None, cache_dir=tmp_path, precision="int8")
    assert max(p.stat().st_mtime_ns for p in tmp_path.iterdir()) == stamp
    exact = load_query_embedder(None, cache_dir=tmp_path, precision="float32")
    assert abs(exact.embed(questions) - load_embedder(None, cache_dir=tmp_path).embed(questions)).max() == 0


class _Costly:
    """An embedder that takes ``cost`` seconds of a fake clock per call."""

    def __init__(self, clock: list[float], cost: float) -> None:
        self.clock, self.cost, self.calls = clock, cost, 0

    def embed(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        self.clock[0] += self.cost
        self.calls += 1
        return np.zeros((len(texts), 4), dtype=np.float32)


@pytest.mark.parametrize(("int8_ms", "float32_ms", "served"), [
    (3.0, 5.0, "int8"),  # 8-bit arithmetic in hardware: quicker
    (9.4, 5.4, "float32"),  # AVX2 alone: 8-bit weights are slower
    (4.7, 5.0, "float32"),  # 6% quicker is within the noise: the model's own vectors
])
def test_auto_serves_the_8_bit_weights_only_where_they_are_clearly_quicker(
    monkeypatch: pytest.MonkeyPatch, int8_ms: float, float32_ms: float, served: str
) -> None:
    import indexer.query_embedder as embedder_module

    clock = [0.0]
    monkeypatch.setattr(embedder_module.time, "perf_counter", lambda: clock[0])
    small, full = _Costly(clock, int8_ms / 1000), _Costly(clock, float32_ms / 1000)
    chosen, medians = embedder_module.quicker_precision({"int8": small, "float32": full}, probes=["a", "b", "c"])
    assert chosen == served
    assert medians == pytest.approx({"int8": int8_ms, "float32": float32_ms})
    assert small.calls == full.calls > 3  # both timed on every probe, after a warm-up


def test_auto_serves_the_embedder_the_timing_chooses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import indexer.query_embedder as embedder_module

    for verdict in ("int8", "float32"):
        monkeypatch.setattr(embedder_module, "quicker_precision",
                            lambda embedders, v=verdict: (v, {"int8": 1.0, "float32": 2.0}))
        served = embedder_module.load_query_embedder(None, cache_dir=tmp_path)
        assert isinstance(served, embedder_module.OnnxEmbedder) and served.precision == verdict
        assert ("-q8b32" in served.path.name) == (verdict == "int8")


def test_a_question_embedder_that_cannot_be_made_falls_back_to_the_full_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.query_embedder as embedder_module

    def drifts(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise embedder_module.EmbedderError("8-bit question vectors drift to cosine 0.9 from the model's")

    monkeypatch.setattr(embedder_module, "quantize_for_questions", drifts)
    fallback = embedder_module.load_query_embedder(None, cache_dir=tmp_path)
    reference = TorchEmbedder(resolve_model(None)).embed(["what works for county lines"])
    assert abs(fallback.embed(["what works for county lines"]) - reference).max() < 1e-5
    assert not any("-q8" in p.name for p in tmp_path.iterdir())
    # With nothing to choose between, auto serves the full model without timing anything.
    monkeypatch.setattr(embedder_module, "quicker_precision", lambda *a, **k: pytest.fail("nothing to time"))
    assert embedder_module.load_query_embedder(None, cache_dir=tmp_path, precision="auto").precision == "float32"
    with pytest.raises(embedder_module.EmbedderError, match="precision"):
        embedder_module.load_query_embedder(None, cache_dir=tmp_path, precision="int4")
