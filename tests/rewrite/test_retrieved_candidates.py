"""rewrite.catalog: the nearest catalog titles join the model's candidates, through the real job (fake engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qrw.engine.base import Candidate
from qrw.engine.fake import fake_relevance
from qrw.errors import QrwError
from qrw.normalize import normalize
from qrw.retrieval import TitleIndex
from qrw.rewrite.job import run_rewrite
from qrw.rewrite.retrieved import candidate_source_version, with_retrieved

from .conftest import make_cfg, read_dictionary, read_runs, small_log, write_log

PLAIN = ("running shoes", "cheap nike sneakers", "usb c cable 2m", "kids toys")
TITLES = ["Running Shoes for Men", "Nike Sneakers Cheap Deal", "USB C Cable 2m Braided", "Kids Toys Wooden Blocks", "Garden Hose 15 m"]


@pytest.fixture(scope="module")
def log(spark, tmp_path_factory):
    return write_log(spark, tmp_path_factory.mktemp("retrieved") / "log", small_log())


def _catalog(spark, path: Path, titles: list[str | None]) -> str:
    rows = [(f"p{i}", t) for i, t in enumerate(titles)]
    spark.createDataFrame(rows, "product_id string, title string").write.format("delta").mode("overwrite").save(str(path))
    return str(path)


def test_with_retrieved_appends_titles_except_where_the_engine_failed():
    index = TitleIndex(TITLES)
    gen = [[Candidate("a", -0.1, 2)], None]
    out = with_retrieved(["running shoes", "kids toys"], gen, [None, "boom"], index, 1)
    assert [c.text for c in out[0]] == ["a", "running shoes for men"] and out[0][1].num_tokens == 0
    assert out[1] is None  # a failed query stays failed: no titles dressed up as its rewrites
    assert with_retrieved(["x"], [[]], [None], None, 3) == [[]]
    assert candidate_source_version("m", None, 3) == "m" and candidate_source_version("m", index, 0) == "m"
    assert candidate_source_version("m", index, 2) == f"m+titles:{index.digest}x2"


def test_catalog_titles_join_the_candidates_and_the_scorer_filters_them(spark, log, tmp_path):
    catalog = _catalog(spark, tmp_path / "catalog", TITLES)
    index = TitleIndex(TITLES)
    loose = run_rewrite(make_cfg(f"rewrite.catalog={catalog}", "rewrite.retrieval_candidates=2", "rewrite.top_k=20"),
                        search_log=log, model="fake", table=str(tmp_path / "loose"))
    assert loose["model_version"] == f"fake-engine-v1+titles:{index.digest}x2"
    assert loose["counts"]["catalog_titles"] == len(TITLES)
    rows = read_dictionary(spark, str(tmp_path / "loose"))
    for key in PLAIN:
        got = {normalize(r["rewrite"]) for r in rows[key]["rewrites"]}
        nearest = index.nearest([key], 2)[0]
        assert nearest and set(nearest) <= got, (key, nearest, got)
    assert any(normalize(r["rewrite"]) == "running shoes for men" for r in rows["running shoes"]["rewrites"])

    strict = run_rewrite(make_cfg(f"rewrite.catalog={catalog}", "rewrite.retrieval_candidates=2", "rewrite.top_k=20", "rewrite.min_relevance=0.5"),
                         search_log=log, model="fake", table=str(tmp_path / "strict"))
    rows = read_dictionary(spark, str(tmp_path / "strict"))
    for key in PLAIN:
        for title in index.nearest([key], 2)[0]:
            kept = any(normalize(r["rewrite"]) == title for r in rows[key]["rewrites"])
            assert kept == (fake_relevance(key, title) >= 0.5), (key, title)  # the same threshold as the model's own
    assert read_runs(spark, str(tmp_path / "strict"))[strict["run_id"]]["status"] == "succeeded"


def test_without_a_catalog_the_job_is_unchanged_and_a_bad_catalog_fails_before_any_work(spark, log, tmp_path):
    plain = run_rewrite(make_cfg("rewrite.retrieval_candidates=2"), search_log=log, model="fake", table=str(tmp_path / "plain"))
    assert plain["model_version"] == "fake-engine-v1" and "catalog_titles" not in plain["counts"]
    for catalog in (str(tmp_path / "missing"), _catalog(spark, tmp_path / "untitled", [None, None])):
        table = tmp_path / f"dict_{Path(catalog).name}"
        with pytest.raises(QrwError, match="catalog|title|missing|exist"):
            run_rewrite(make_cfg(f"rewrite.catalog={catalog}"), search_log=log, model="fake", table=str(table))
        assert not table.exists(), "nothing is claimed or written for a run that cannot start"


def test_a_title_matches_a_text_holding_its_words_or_all_but_one_of_four_or_more():
    index = TitleIndex(TITLES)
    assert index.matches("running shoes") and index.matches("Shoes Running")  # order does not matter
    assert not index.matches("running sandals") and not index.matches("") and not index.matches("zzz")
    assert index.matches("usb c cable 2m blue")  # 5 words, a title holds 4 of them
    assert not index.matches("usb c cable red blue")  # a title holds only 3 of 5


def test_with_no_match_titles_join_only_null_result_queries():
    index = TitleIndex(TITLES)
    keys = ["running shoes", "runing shoos", "kidz toyz", "garden hoze"]
    gen = [[], [], [Candidate("kids toys", -0.5, 2)], []]  # an LLM candidate that matches does not count
    respelled = [None, None, None, "garden hose"]  # the lexicon spells the last as the catalog does
    out = with_retrieved(keys, gen, [None] * 4, index, 1, "no_match", respelled)
    assert [len(c) for c in out] == [0, 1, 2, 0]  # matched query: none; null queries: one title; respelled match: none
    assert out[1][0].text == index.nearest(["runing shoos"], 1)[0][0]
    assert [len(c) for c in with_retrieved(keys, gen, [None] * 4, index, 1)] == [1, 1, 2, 1]  # always
    assert candidate_source_version("m", index, 1, "no_match") == f"m+titles:{index.digest}x1@no_match"


def test_grounded_scores_come_from_the_titles_each_candidate_retrieves(spark, log, tmp_path):
    """rewrite.grounding through the real job: a relevance model scores (query, retrieved title), not (query, rewrite)."""
    import json
    import sys

    from qrw import relevance_model
    from qrw.engine.relevance import RelevanceScorer
    from qrw.grounding import GroundedScorer, Grounding

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from test_relevance_model import labelled_pairs

    scorer_dir = tmp_path / "relevance"
    relevance_model.save(relevance_model.fit(labelled_pairs(600, seed=0)), scorer_dir, metrics={"relevance_accuracy": 0.9, "majority_rate": 0.5})
    version = json.loads((scorer_dir / "qrw_model.json").read_text())["model_version"]
    catalog = _catalog(spark, tmp_path / "catalog", TITLES)
    table = str(tmp_path / "grounded")
    cfg = make_cfg(f"rewrite.catalog={catalog}", "rewrite.retrieval_candidates=1", f"rewrite.scorer_model={scorer_dir}", "rewrite.grounding=2",
                   "rewrite.top_k=20", "rewrite.min_tagging_margin=null")
    summary = run_rewrite(cfg, search_log=log, model="fake", table=table)
    assert "+grounded2" in summary["model_version"] and json.loads(summary["settings"])["scoring"]["grounding"] == 2
    grounded = GroundedScorer(RelevanceScorer(scorer_dir), Grounding(TITLES, 2))
    rows = read_dictionary(spark, table)
    checked = 0
    for key in PLAIN:
        rewrites = rows[key]["rewrites"]
        want = grounded.score([(key, r["rewrite"]) for r in rewrites])
        for r, w in zip(rewrites, want):
            assert r["relevance"] == pytest.approx(w), (key, r)
            checked += 1
    assert checked and read_runs(spark, table)[summary["run_id"]]["status"] == "succeeded"
    assert version in summary["model_version"]


def test_grounding_alone_names_the_catalog_so_a_new_one_redoes_entries(spark, log, tmp_path):
    from qrw.grounding import Grounding

    catalog = _catalog(spark, tmp_path / "catalog", TITLES)
    summary = run_rewrite(make_cfg(f"rewrite.catalog={catalog}", "rewrite.retrieval_candidates=0", "rewrite.grounding=2"),
                          search_log=log, model="fake", table=str(tmp_path / "dict"))
    assert summary["model_version"].endswith(f"+catalog:{Grounding(TITLES, 2).digest}") and "+titles:" not in summary["model_version"]


def test_grounding_without_a_catalog_fails_before_any_work(spark, log, tmp_path):
    table = tmp_path / "dict"
    with pytest.raises(QrwError, match="rewrite.grounding=3.*--catalog"):
        run_rewrite(make_cfg("rewrite.grounding=3"), search_log=log, model="fake", table=str(table))
    assert not table.exists()
