"""``qrw train calibrate``: fit the relevance calibration of a model on the dev split and record it.

Scores every labelled pair of ``relevance_dev.jsonl`` with the model's relevance task
(:func:`qrw.train.scoring.relevance_scores`: the transformers scorer the ``hf`` engine
uses, checked against vLLM in tests/engine), fits :func:`qrw.calibration.fit_calibration`
and writes ``calibration.json`` next to the weights; ``qrw_model.json`` gets a
``calibration`` entry (file, method, threshold, target precision, dev coverage and size).
The weights and ``model_version`` do not change; the calibration's digest goes into the
nightly run's id, so a refit is a new run.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..calibration import CALIBRATION_FILE, POSITIVE_GRADE, Calibration, Method, fit_calibration, write_calibration
from ..config import QrwConfig
from ..errors import QrwError
from ..grounding import scoring_version
from ..manifest import MANIFEST, read_manifest

DEV_FILE = "relevance_dev.jsonl"


def dev_pairs(data: str | Path, limit: int | None = None) -> list[dict]:
    """The dev split's labelled (query, rewrite, grade) rows of the training-data export."""
    from .data import export_dir, read_jsonl

    path = export_dir(data) / DEV_FILE
    rows = [r for r in read_jsonl(path, required=True, limit=limit) if r.get("grade") in (0, 1, 2) and r.get("query") and r.get("rewrite")]
    if not rows:
        raise QrwError(f"{path} has no labelled (query, rewrite, grade 0-2) rows to calibrate on")
    return rows


def dev_scores(cfg: QrwConfig, model: str, pairs: list[tuple[str, str]]) -> list[float]:
    """The raw relevance score the nightly job would give each pair: an LLM's relevance task, or a relevance model."""
    from .. import relevance_model

    if relevance_model.is_relevance_model(model):
        return relevance_model.scores(model, pairs)
    from .modeling import load_model, load_tokenizer, setup_torch
    from .scoring import relevance_scores

    setup_torch(cfg.train)
    tokenizer, net = load_tokenizer(model), load_model(model, trainable=False)
    return relevance_scores(net, tokenizer, pairs, cfg.train.sft.eval_batch_size)


#: Fewest dev pairs (of each outcome) a grounded calibration fits on.
MIN_TITLE_PAIRS = 20


def export_titles(data: str | Path, k: int) -> set[str]:
    """The training export's normalized catalog titles (``catalog.jsonl``): the same shop's titles the nightly
    job grounds in through ``rewrite.catalog``."""
    from ..normalize import normalize
    from .data import export_dir, read_jsonl

    path = export_dir(data) / "catalog.jsonl"
    titles = {normalize(r.get("title") or "") for r in read_jsonl(path, required=True)} - {""}
    if not titles:
        raise QrwError(f"{path} has no titles to ground scores in (rewrite.grounding={k}): rerun `qrw build-training-data`, or set rewrite.grounding=0")
    return titles


def title_pairs(rows: list[dict], titles: set[str], k: int) -> list[dict]:
    """The dev pairs whose rewrite is a catalog title: what a grounded score is made of.

    A grounded score (qrw.grounding) is the scorer's score of (query, title) for the best title a
    rewrite retrieves, so its calibration is fitted on exactly such pairs: "is this product what was
    asked for" (human judgments of titles, type-drift titles). The threshold for the target precision
    then says: publish a rewrite when it retrieves a product the scorer is that sure of. Fitting it on
    the other pairs instead would count a narrower rewrite ("sandals" -> "navy sandals", grade 1) as
    drift although every product it retrieves is what was asked for.
    """
    from ..normalize import normalize

    found = [r for r in rows if normalize(r["rewrite"]) in titles]
    positives = sum(int(r["grade"]) == POSITIVE_GRADE for r in found)
    if min(positives, len(found) - positives) < MIN_TITLE_PAIRS:
        raise QrwError(
            f"rewrite.grounding={k} calibrates on dev pairs whose rewrite is a catalog title; the export has {len(found)} "
            f"({positives} of grade {POSITIVE_GRADE}), fewer than {MIN_TITLE_PAIRS} of each outcome: give `qrw build-training-data` "
            "human relevance labels (they become title pairs), or set rewrite.grounding=0"
        )
    return found


def calibrate(cfg: QrwConfig, *, model: str, data: str, target_precision: float | None = None, method: Method | None = None) -> Calibration:
    """Fit, write ``{model}/calibration.json`` and record it in the manifest; returns the calibration.

    With ``rewrite.grounding`` it is fitted on the dev pairs whose rewrite is a catalog title
    (:func:`title_pairs`: the (query, title) pairs a grounded score takes the best of) and says so
    in its model version, so a run that scores otherwise refuses it."""
    target = float(target_precision if target_precision is not None else cfg.rewrite.target_precision)
    method = method or cfg.rewrite.calibration_method
    manifest = read_manifest(model)  # a clear error for a non-model dir
    if not (Path(model) / MANIFEST).exists():
        raise QrwError(f"{model} has no {MANIFEST}: calibrate a model `qrw train sft`/`qrw train grpo` wrote")
    limit = cfg.train.sft.max_eval_examples
    k = cfg.rewrite.grounding
    rows = dev_pairs(data, None if k > 0 else limit)
    if k > 0:
        rows = title_pairs(rows, export_titles(data, k), k)[:limit]
    scores = dev_scores(cfg, model, [(r["query"], r["rewrite"]) for r in rows])
    labels = [int(r["grade"]) == POSITIVE_GRADE for r in rows]
    cal = fit_calibration(scores, labels, method=method, target_precision=target, source=str(Path(data).resolve()),
                          model_version=scoring_version(str(manifest["model_version"]), k))
    write_calibration(model, cal)
    manifest["calibration"] = {
        "file": CALIBRATION_FILE,
        "method": cal.method,
        "digest": cal.digest,
        "target_precision": cal.target_precision,
        "threshold": cal.threshold,
        "precision_at_threshold": cal.precision_at_threshold,
        "coverage_at_threshold": cal.coverage_at_threshold,
        "dev_pairs": cal.population.get("pairs"),
        "dev_auc": cal.population.get("auc"),
        "grounding": k,
        **({"fitted_on": "dev pairs whose rewrite is a catalog title"} if k > 0 else {}),
    }
    (Path(model) / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
    return cal


def describe(cal: Calibration, model: str) -> str:
    """One paragraph for the terminal."""
    pop = cal.population
    auc = pop.get("auc")
    head = (
        f"{model}: {cal.method} calibration on {pop.get('pairs')} dev pairs ({pop.get('positives')} keep the intent), "
        f"raw-score AUC {auc:.3f}. " if auc is not None else f"{model}: {cal.method} calibration. "
    )
    if cal.threshold is None:
        return head + (
            f"No threshold reaches precision {cal.target_precision} on dev (best {cal.precision_at_threshold or 0:.3f}): "
            "with rewrite.min_relevance=auto the nightly job keeps no rewrite of this model."
        )
    return head + (
        f"Threshold {cal.threshold:.4f} (calibrated) reaches precision {cal.precision_at_threshold:.3f} "
        f">= {cal.target_precision} at dev coverage {cal.coverage_at_threshold:.3f}."
    )
