"""``qrw train relevance``: fit the lexical relevance model (:mod:`qrw.relevance_model`) on the train split.

Reads ``relevance_train.jsonl`` (the training split's labelled pairs, hard negatives
included) and records, in ``qrw_model.json``, the same dev-split tagging numbers the
SFT manifest records (``relevance_accuracy``, ``majority_rate``, ``relevance_auc`` on
``relevance_dev.jsonl``), so ``qrw rewrite``'s tagging-quality check and the demo's
choice of scorer compare like with like. Seconds on a CPU.
"""

from __future__ import annotations

import logging
import time

from .. import relevance_model
from ..config import QrwConfig
from ..errors import QrwError
from .data import RELEVANCE_EVAL, RELEVANCE_TRAIN, export_dir, read_jsonl, snapshot
from .scoring import tagging_metrics

log = logging.getLogger(__name__)


def train_relevance(cfg: QrwConfig, *, data: str, out: str) -> dict:
    """Fit, evaluate on dev, write ``out``; returns the manifest."""
    started = time.perf_counter()
    folder = export_dir(data)
    rows = read_jsonl(folder / RELEVANCE_TRAIN, required=False)
    if not rows:
        raise QrwError(f"{folder / RELEVANCE_TRAIN} is missing or empty: re-run `qrw build-training-data` (it writes the train split's labelled pairs there)")
    model = relevance_model.fit(rows, seed=cfg.train.seed)
    dev = [r for r in read_jsonl(folder / RELEVANCE_EVAL, required=False, limit=cfg.train.sft.max_eval_examples) if r.get("grade") in relevance_model.GRADES]
    metrics: dict = {"train_rows": len(rows), "train_seconds": round(time.perf_counter() - started, 2)}
    if dev:
        probs = relevance_model.label_probs(model, [(r["query"], r["rewrite"]) for r in dev])
        metrics.update({"eval_split": "dev", **tagging_metrics(probs, dev)})
    else:
        log.warning("train relevance: %s missing or empty: no dev tagging numbers in the manifest", folder / RELEVANCE_EVAL)
    manifest = relevance_model.save(model, out, data=snapshot(data), metrics=metrics)
    log.info("relevance model written to %s (%s)", out, {k: v for k, v in metrics.items() if not isinstance(v, dict)})
    return manifest

