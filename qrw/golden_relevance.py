"""The golden relevance set: labelled (query, rewrite, keeps intent) pairs kept with the config.

Why: every other publish gate (coverage, mean relevance) reads the model's own relevance
score, so a model that scores a kettle 0.76 relevant to a gaming laptop passes them all.
The golden set is judged by people (or, for the sample world, by its hidden truth), not by
the model: the nightly rewrite job scores its pairs with the run's scoring model, through
the run's calibration and threshold, and records the accuracy of "kept" (relevance >= the
applied ``min_relevance``) against the labels, and the AUC, in ``{table}_runs``. ``qrw
publish`` blocks a version whose run falls below ``serve.min_golden_relevance_accuracy``
(:func:`qrw.serve.gates.golden_relevance_gate`).

File: JSON Lines, one pair a line: ``{"query": ..., "rewrite": ..., "keeps_intent": true|false}``
or ``"grade"`` 0-2 (2 = same intent keeps; 0 and 1 do not) instead of ``keeps_intent``.
A bare file name not found in the working directory is looked up under ``conf/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .calibration import POSITIVE_GRADE, roc_auc
from .errors import QrwError

#: Fewest pairs of each label a golden set needs (fewer: its accuracy says little).
MIN_PER_LABEL = 5


@dataclass(frozen=True)
class GoldenPair:
    query: str
    rewrite: str
    keeps_intent: bool


def resolve_path(path: str) -> str:
    """``path`` as given, or under conf/ when it is a bare name that exists there."""
    from .config import CONF_DIR

    if "://" in path or Path(path).expanduser().exists():
        return path
    if (CONF_DIR / path).exists():
        return str(CONF_DIR / path)
    raise QrwError(f"the golden relevance set serve.golden_relevance={path} does not exist (nor under {CONF_DIR})")


def parse_lines(lines: list[str], where: str) -> list[GoldenPair]:
    """Pairs from JSONL text; a clear error naming the line for a malformed one."""
    pairs = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            query, rewrite = str(obj["query"]), str(obj["rewrite"])
            if "keeps_intent" in obj:
                if not isinstance(obj["keeps_intent"], bool):
                    raise TypeError("keeps_intent must be true or false")
                keeps = obj["keeps_intent"]
            else:
                grade = int(obj["grade"])
                if grade not in (0, 1, 2):
                    raise ValueError(f"grade {grade} is not 0, 1 or 2")
                keeps = grade == POSITIVE_GRADE
        except (ValueError, KeyError, TypeError) as exc:
            raise QrwError(
                f"golden relevance set {where} line {n} is not "
                f'{{"query": ..., "rewrite": ..., "keeps_intent": true|false}} ({exc!r}); fix or remove that line'
            ) from None
        pairs.append(GoldenPair(query, rewrite, keeps))
    kept = sum(p.keeps_intent for p in pairs)
    if kept < MIN_PER_LABEL or len(pairs) - kept < MIN_PER_LABEL:
        raise QrwError(
            f"golden relevance set {where} has {kept} pairs that keep the intent and {len(pairs) - kept} that do not; "
            f"it needs at least {MIN_PER_LABEL} of each"
        )
    return pairs


def read_pairs(spark, path: str) -> list[GoldenPair]:
    """The golden pairs of a local or Hadoop-compatible path."""
    resolved = resolve_path(path)
    try:
        lines = [r[0] for r in spark.read.text(resolved).collect()]
    except Exception as exc:  # noqa: BLE001 - Spark's errors are JVM traces; say what failed
        raise QrwError(f"cannot read the golden relevance set {resolved}: {str(exc).splitlines()[0][:200]}") from None
    return parse_lines(lines, resolved)


def measure(pairs: list[GoldenPair], relevances: list[float | None], threshold: float) -> dict:
    """Accuracy of "kept" (relevance >= threshold) against the labels, AUC, and the confusion counts.

    A pair whose scoring failed (None) counts as wrong: a broken scorer must not pass.
    """
    if len(pairs) != len(relevances):
        raise ValueError(f"{len(pairs)} golden pairs but {len(relevances)} scores")
    tp = fp = tn = fn = failed = 0
    for pair, rel in zip(pairs, relevances):
        if rel is None:
            failed += 1
            continue
        kept = rel >= threshold
        if kept and pair.keeps_intent:
            tp += 1
        elif kept:
            fp += 1
        elif pair.keeps_intent:
            fn += 1
        else:
            tn += 1
    scored = [(r, p.keeps_intent) for p, r in zip(pairs, relevances) if r is not None]
    auc = roc_auc([r for r, _ in scored], [y for _, y in scored])
    return {
        "pairs": len(pairs),
        "accuracy": round((tp + tn) / len(pairs), 4) if pairs else 0.0,
        "auc": None if auc is None else round(auc, 4),
        "threshold": threshold,
        "true_positives": tp, "false_positives": fp, "true_negatives": tn, "false_negatives": fn, "failed": failed,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
    }
