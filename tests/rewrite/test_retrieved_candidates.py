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
