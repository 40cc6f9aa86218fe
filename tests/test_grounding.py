"""rewrite.grounding: a candidate is judged by the catalog titles it retrieves (qrw.grounding).

The unit tests use a named fake scorer (word overlap) so the arithmetic is checkable by hand;
the calibration test uses a real `qrw train relevance` model, and the job test
(tests/rewrite/test_retrieved_candidates.py) runs the real nightly job with it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from qrw import relevance_model
from qrw.calibration import read_calibration
from qrw.config import load_config
from qrw.engine.relevance import RelevanceScorer
from qrw.errors import QrwError
from qrw.grounding import GroundedScorer, Grounding, scoring_version
from qrw.rewrite.scoring import resolve_scoring
from qrw.train.calibrate import calibrate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_relevance_model import labelled_pairs  # noqa: E402

TITLES = ["Acme Leather Sofa 3 Seater", "Acme Fabric Sofa 2 Seater", "Zeta Steel Kettle 1.7 Litre", "Kavo Running Shoes Mens"]


class OverlapScorer:
    """A fake scorer (named as such): the share of the query's words the text holds; None for 'boom'."""

    model_version = "overlap-v1"
    calls: list[list[tuple[str, str]]]

    def __init__(self):
        self.calls = []

    def score(self, pairs):
        self.calls.append(list(pairs))
        out = []
        for q, t in pairs:
            words = q.split()
            out.append(None if "boom" in t else sum(w in t.split() for w in words) / len(words))
        return out


def test_a_rewrite_is_scored_by_the_best_title_it_retrieves():
    g = Grounding(TITLES, 2)
    assert g.titles == sorted(t.lower() for t in TITLES) and g.retrieved(["sofa"])[0] and len(g.retrieved(["sofa"])[0]) == 2
    scorer = OverlapScorer()
    grounded = GroundedScorer(scorer, g)
    # "settee" shares nothing with the query's words, but "leather sofa" retrieves a leather sofa
    got = grounded.score([("acme leather settee", "leather sofa"), ("acme leather settee", "kettle"), ("acme leather settee", "nothingmatches")])
    assert got[0] == pytest.approx(2 / 3)  # "acme leather sofa 3 seater" holds acme and leather
    assert got[1] == 0.0  # retrieves only a kettle: none of the query's words
    assert got[2] == 0.0  # retrieves nothing: a rewrite that finds nothing cannot help
    # no title holds both words: a lexical engine returns nothing, though "acme" alone would find a sofa
    assert grounded.score([("acme leather settee", "acme kettle")]) == [0.0]
    assert all(t in g.titles for _, t in scorer.calls[0]), "the scorer judged (query, title) pairs, not the rewrite's text"
    assert grounded.model_version == "overlap-v1"  # everything else is the wrapped scorer's


def test_a_pair_whose_every_title_failed_to_score_is_unknown_not_zero():
    g = Grounding(["boom box speaker", "boom box radio"], 3)
    assert GroundedScorer(OverlapScorer(), g).score([("box", "boom")]) == [None]


def test_grounding_needs_titles_and_k():
    with pytest.raises(ValueError):
        Grounding(TITLES, 0)
    with pytest.raises(ValueError):
        Grounding(["", None], 2)
    assert scoring_version("m", 0) == "m" and scoring_version("m", 3) == "m+grounded3"


def _export(folder: Path, rows: list[dict], titles: list[str]) -> str:
    exp = folder / "export"
    exp.mkdir(parents=True)
    (exp / "relevance_dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (exp / "catalog.jsonl").write_text("".join(json.dumps({"product_id": f"p{i}", "title": t}) + "\n" for i, t in enumerate(titles)))
    return str(folder)


def test_a_grounded_calibration_is_fitted_on_the_title_pairs_and_a_run_must_ground_alike(tmp_path):
    model = tmp_path / "relevance"
    relevance_model.save(relevance_model.fit(labelled_pairs(1500, seed=0)), model, metrics={"relevance_accuracy": 0.9, "majority_rate": 0.5})
    dev = labelled_pairs(300, seed=5)
    # the catalog holds the rewrites of the first 200 dev pairs as titles: those are the title pairs
    titled = dev[:200]
    data = _export(tmp_path / "data", dev, sorted({r["rewrite"] for r in titled}))
    version = json.loads((model / "qrw_model.json").read_text())["model_version"]
    cal = calibrate(load_config(None, ["rewrite.grounding=2"]), model=str(model), data=data)
    assert cal.model_version == f"{version}+grounded2"
    title_rows = [r for r in dev if r["rewrite"] in {t["rewrite"] for t in titled}]
    assert cal.population["pairs"] == len(title_rows) < len(dev)
    from qrw.calibration import roc_auc

    text = RelevanceScorer(model).score([(r["query"], r["rewrite"]) for r in title_rows])
    assert cal.population["auc"] == pytest.approx(roc_auc(text, [r["grade"] == 2 for r in title_rows]))
    manifest = json.loads((model / "qrw_model.json").read_text())
    assert manifest["calibration"]["grounding"] == 2 and "catalog title" in manifest["calibration"]["fitted_on"]
    # a grounded run reads it; a run scoring the text alone refuses it, saying what to do
    assert read_calibration(model, f"{version}+grounded2") == cal
    ok = resolve_scoring(load_config(None, [f"rewrite.scorer_model={model}", "rewrite.grounding=2"]), policy=str(tmp_path / "policy"), policy_version="p")
    assert ok.calibration == cal and ok.grounding == 2 and "grounded2" in ok.dictionary_model_version("p")
    with pytest.raises(QrwError, match=r"rewrite.grounding=2.*rewrite.grounding=0"):
        resolve_scoring(load_config(None, [f"rewrite.scorer_model={model}"]), policy=str(tmp_path / "policy"), policy_version="p")


@pytest.mark.parametrize("catalog", ["missing", "no title pairs"])
def test_a_grounded_calibration_without_title_pairs_is_a_clear_error(tmp_path, catalog):
    model = tmp_path / "relevance"
    relevance_model.save(relevance_model.fit(labelled_pairs(300, seed=0)), model)
    dev = labelled_pairs(60, seed=1)
    data = _export(tmp_path / "data", dev, ["Zeta Steel Kettle 1.7 Litre"])
    if catalog == "missing":
        (tmp_path / "data" / "export" / "catalog.jsonl").unlink()
    with pytest.raises(QrwError, match="catalog.jsonl" if catalog == "missing" else "catalog title.*human relevance labels"):
        calibrate(load_config(None, ["rewrite.grounding=3"]), model=str(model), data=str(data))
    assert not (model / "calibration.json").exists()
