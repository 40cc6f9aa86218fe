"""rewrite.lexicon: the lexicon's rewrite of each query joins the model's candidates, through the real job (fake engine)."""

from __future__ import annotations

import pytest

from qrw.engine.base import Candidate
from qrw.engine.fake import fake_relevance
from qrw.errors import QrwError
from qrw.lexicon import Lexicon, vocabulary_of
from qrw.normalize import normalize
from qrw.rewrite.job import run_rewrite
from qrw.rewrite.lexical import lexicon_source_version, with_lexicon

from .conftest import make_cfg, read_dictionary, read_runs, small_log, write_log

DOCS = ["Running Trainers for Men", "Nike Trainers Cheap Deal", "USB C Cable 2m Braided", "Kids Toys Wooden Blocks"]
#: "shoes" and "sneakers" are no catalog word here: the lexicon maps them to "trainers"
LEXICON = Lexicon(vocabulary=vocabulary_of(DOCS), terms={"shoes": ["trainers"], "sneakers": ["trainers"]})
CHANGED = {"running shoes": "running trainers", "cheap nike sneakers": "cheap nike trainers"}


@pytest.fixture(scope="module")
def log(spark, tmp_path_factory):
    return write_log(spark, tmp_path_factory.mktemp("lexicon") / "log", small_log())


@pytest.fixture(scope="module")
def lexicon_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("lexicon_model") / "lexicon"
    LEXICON.save(out)
    return str(out)


def test_with_lexicon_appends_one_new_rewrite_except_where_the_engine_failed():
    gen = [[Candidate("x", -0.1, 2)], [Candidate("running trainers", -0.2, 2)], None, []]
    out = with_lexicon(["cheap nike sneakers", "running shoes", "kids sneakers", "kids toys"], gen, [None, None, "boom", None], LEXICON)
    assert [c.text for c in out[0]] == ["x", "cheap nike trainers"] and out[0][1].num_tokens == 0
    assert [c.text for c in out[1]] == ["running trainers"]  # the model already wrote it: not twice
    assert out[2] is None  # a failed query stays failed
    assert out[3] == []  # "kids toys" is all catalog words: no rewrite
    assert with_lexicon(["a"], [[]], [None], None) == [[]]
    assert lexicon_source_version("m", None) == "m" and lexicon_source_version("m", LEXICON) == f"m+lexicon:{LEXICON.digest}"


def test_the_lexicon_rewrite_joins_the_candidates_and_the_scorer_filters_it(spark, log, lexicon_dir, tmp_path):
    loose = run_rewrite(make_cfg(f"rewrite.lexicon={lexicon_dir}", "rewrite.top_k=20"), search_log=log, model="fake", table=str(tmp_path / "loose"))
    assert loose["model_version"] == f"fake-engine-v1+lexicon:{LEXICON.digest}"
    assert loose["counts"]["lexicon_words"] == 2
    rows = read_dictionary(spark, str(tmp_path / "loose"))
    for key, text in CHANGED.items():
        assert text in {normalize(r["rewrite"]) for r in rows[key]["rewrites"]}, (key, rows[key])

    strict = run_rewrite(make_cfg(f"rewrite.lexicon={lexicon_dir}", "rewrite.top_k=20", "rewrite.min_relevance=0.5"),
                         search_log=log, model="fake", table=str(tmp_path / "strict"))
    rows = read_dictionary(spark, str(tmp_path / "strict"))
    for key, text in CHANGED.items():
        kept = key in rows and any(normalize(r["rewrite"]) == text for r in rows[key]["rewrites"])
        assert kept == (fake_relevance(key, text) >= 0.5), (key, text)  # the same threshold as the model's own
    assert read_runs(spark, str(tmp_path / "strict"))[strict["run_id"]]["status"] == "succeeded"
    # a rerun with the same lexicon is skipped as done; the model_version names the lexicon, so a new one redoes it
    again = run_rewrite(make_cfg(f"rewrite.lexicon={lexicon_dir}", "rewrite.top_k=20", "rewrite.min_relevance=0.5"),
                        search_log=log, model="fake", table=str(tmp_path / "strict"))
    assert again["run_id"] == strict["run_id"]


def test_a_wrong_lexicon_directory_fails_before_any_work(spark, log, tmp_path):
    table = tmp_path / "dict"
    with pytest.raises(QrwError, match="qrw train lexicon"):
        run_rewrite(make_cfg(f"rewrite.lexicon={tmp_path / 'missing'}"), search_log=log, model="fake", table=str(table))
    assert not table.exists(), "nothing is claimed or written for a run that cannot start"
