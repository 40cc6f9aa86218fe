"""No dev or test query reaches any training input, checked on the artifacts as written.

The sample world goes through the real training-data job and the real bootstrap
(Spark readers, tokenizer, a 2-step pretraining); then qrw.eval.leakage reads what
was written (the bootstrap's documents beside the model, sft_train/grpo_train, corpus.txt)
and searches it for every held-out query. The negative control points bootstrap at
the full query list again (a split file that calls every query train): the same audit
must then find held-out queries, so the test can fail.
"""

from __future__ import annotations

import json
import shutil

import pytest
from train_world import tiny_cfg

from qrw.data.splits import HELD_OUT, TRAIN
from qrw.eval.leakage import audit, held_out_queries
from qrw.normalize import normalize

@pytest.fixture(scope="module")
def built(sample_world_built):
    """The session's sample-world run through the real training-data job (tests/conftest.py)."""
    run = sample_world_built
    return {"world": run.world, "paths": run.paths, "data": run.out, "folder": run.folder}


def _all_train(data, folder):
    """A copy of the export whose split file calls every query train: bootstrap pointed at the full query list."""
    fake = folder / "all_train"
    if not fake.exists():
        shutil.copytree(data / "export", fake / "export")
        rows = [json.loads(line) for line in (fake / "export" / "query_splits.jsonl").read_text().splitlines()]
        (fake / "export" / "query_splits.jsonl").write_text("".join(json.dumps({**r, "split": TRAIN}) + "\n" for r in rows))
    return fake


@pytest.mark.slow
@pytest.mark.parametrize("split_source,leaks", [("data job's split", False), ("full query list (negative control)", True)])
def test_no_held_out_query_in_any_training_artifact(cfg, built, split_source, leaks):
    from qrw.train.bootstrap import bootstrap, read_documents

    data, folder = built["data"], built["folder"]
    source = data if not leaks else _all_train(data, folder)
    c = tiny_cfg(cfg)
    c.train.bootstrap.max_steps = 2
    base = bootstrap(c, search_log=built["paths"]["search_log"], catalog=built["paths"]["catalog"], out=str(folder / f"base_{leaks}"), data=str(source))

    held = held_out_queries(data)  # always the true split
    assert sum(s == "dev" for s in held.values()) > 20 and sum(s == "test" for s in held.values()) > 20
    docs = read_documents(base)
    sources = {(d["use"], d["source"]) for d in docs}
    assert {("tokenizer", "query"), ("tokenizer", "prompt"), ("lm", "query"), ("lm", "chat"), ("lm", "catalog")} <= sources
    manifest = json.loads((base / "qrw_model.json").read_text())
    assert manifest["data"]["documents_file"]["lm_documents"] == sum(d["use"] == "lm" for d in docs)

    report = audit(data, base)
    assert report["held_out_queries"] == len(held)
    for artifact in ("bootstrap/lm/query", "bootstrap/lm/chat", "bootstrap/tokenizer/query", "sft_train", "grpo_train", "relevance_train", "corpus.txt"):
        assert report["fields_checked"].get(artifact, 0) > 0, (artifact, report["fields_checked"])
    if leaks:
        assert report["leaked_queries"] > 0.5 * len(held), report
        for artifact in ("bootstrap/lm/query", "bootstrap/lm/chat", "bootstrap/tokenizer/query", "bootstrap/tokenizer/pair"):
            assert report["leaks_by_artifact"].get(artifact, 0) > 0, (artifact, report["leaks_by_artifact"])
        assert set(report["leaks_by_artifact"]) <= {a for a in report["fields_checked"] if a.startswith("bootstrap/")}
    else:
        assert report["leaked_queries"] == 0, report
        # and independently of the audit's field parsing: no held-out query is a whole query document
        query_docs = {normalize(d["text"]) for d in docs if d["source"] == "query"}
        assert query_docs and not query_docs & set(held)
        assert manifest["data"]["queries_from"] == "train split"


@pytest.mark.slow
def test_bootstrap_without_a_split_uses_no_query(cfg, built, tmp_path):
    from qrw.train.bootstrap import bootstrap, read_documents

    c = tiny_cfg(cfg)
    c.train.bootstrap.max_steps = 1
    base = bootstrap(c, search_log=built["paths"]["search_log"], catalog=built["paths"]["catalog"], out=str(tmp_path / "base"))
    assert {d["source"] for d in read_documents(base)} <= {"catalog", "prompt"}
    assert json.loads((base / "qrw_model.json").read_text())["data"]["queries_from"] == "none (catalog only)"
    assert HELD_OUT == ("dev", "test")
