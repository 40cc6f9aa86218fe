"""Calibration of the relevance score, so ``rewrite.min_relevance`` means a precision.

The raw score (:func:`qrw.prompts.relevance_from_probs`: the expected grade from the
three label-token probabilities) is a number the model's softmax happens to produce; a
0.76 says nothing about how often a 0.76 rewrite keeps the intent. ``qrw train
calibrate`` fits a monotone map from the raw score to *P(the rewrite keeps the intent)*
on the dev split's labelled pairs (``relevance_dev.jsonl``; grade 2 "same intent" is
the positive class) and records, for a target precision (``rewrite.target_precision``,
default 0.9), the lowest calibrated score at which the dev pairs at or above it reach
that precision. ``calibration.json`` sits next to the model and is named in its
``qrw_model.json``; the nightly job applies the map to every candidate before ranking
and, with ``rewrite.min_relevance: auto``, filters at the recorded threshold.

Why isotonic by default (scikit-learn ``IsotonicRegression``): it assumes only that a
higher raw score is not worse, which is all a 3-way softmax of a small model promises;
Platt scaling (a logistic curve on the raw score's logit, ``--method platt``) assumes a
sigmoid shape, which a tagger that puts most mass on one grade does not have. Isotonic
needs more data per step; with a few hundred dev pairs its steps are still the measured
precision of each score band, which is exactly what the threshold reads. Platt keeps the
ranking strictly (no ties), so it is offered for very small dev sets.

Applying a calibration needs only this module's pure Python (piecewise-linear
interpolation between the fitted points, or the logistic), so Spark workers do not
import scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from .errors import QrwError

CALIBRATION_FILE = "calibration.json"
#: Grade of the relevance labels that counts as "keeps the intent" (qrw.prompts.RELEVANCE_GRADE_MEANING).
POSITIVE_GRADE = 2
#: Fewest dev pairs of each class a fit needs: below it the threshold is noise.
MIN_PER_CLASS = 10
Method = Literal["isotonic", "platt"]


@dataclass(frozen=True)
class Calibration:
    """A fitted monotone map raw relevance -> P(keeps intent), and the threshold for a target precision."""

    method: Method
    #: isotonic: {"x": [...], "y": [...]} (interpolated, clipped at the ends); platt: {"a": .., "b": ..}.
    mapping: dict
    target_precision: float
    #: Lowest calibrated score whose dev pairs at or above it reach target_precision; None: unreachable.
    threshold: float | None
    #: Dev numbers at that threshold: precision, coverage (share of dev pairs kept), pairs kept.
    precision_at_threshold: float | None = None
    coverage_at_threshold: float = 0.0
    #: The dev population the fit saw.
    population: dict = field(default_factory=dict)
    source: str | None = None
    #: The model_version of the weights it was fitted on (a retrained model needs a refit).
    model_version: str | None = None

    def apply(self, score: float | None) -> float | None:
        """Calibrated relevance in [0, 1] (None stays None: a pair whose scoring failed)."""
        if score is None or not math.isfinite(score):
            return score
        s = min(1.0, max(0.0, float(score)))
        if self.method == "platt":
            z = self.mapping["a"] * _logit(s) + self.mapping["b"]
            return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
        return _interp(s, self.mapping["x"], self.mapping["y"])

    def apply_many(self, scores: Sequence[float | None]) -> list[float | None]:
        return [self.apply(s) for s in scores]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, obj: dict, where: str = "calibration") -> Calibration:
        try:
            cal = cls(**{k: obj[k] for k in ("method", "mapping", "target_precision", "threshold")},
                      **{k: obj[k] for k in ("precision_at_threshold", "coverage_at_threshold", "population", "source", "model_version") if k in obj})
        except (KeyError, TypeError) as exc:
            raise QrwError(f"{where} is not a calibration written by `qrw train calibrate` ({exc!r}); refit it") from None
        if cal.method == "isotonic":
            x, y = cal.mapping.get("x"), cal.mapping.get("y")
            if not isinstance(x, list) or not isinstance(y, list) or len(x) != len(y) or not x:
                raise QrwError(f"{where}: an isotonic mapping needs equal, non-empty x and y lists; refit it")
        elif cal.method == "platt":
            if not all(isinstance(cal.mapping.get(k), (int, float)) for k in ("a", "b")):
                raise QrwError(f"{where}: a platt mapping needs numbers a and b; refit it")
        else:
            raise QrwError(f"{where}: unknown calibration method {cal.method!r} (isotonic or platt)")
        return cal

    @property
    def digest(self) -> str:
        """Identity of the mapping and threshold (in the run id: a refit calibration is a new run)."""
        payload = json.dumps({"method": self.method, "mapping": self.mapping, "threshold": self.threshold}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:12]


def _logit(p: float, eps: float = 1e-6) -> float:
    p = min(1.0 - eps, max(eps, p))
    return math.log(p / (1.0 - p))


def _interp(s: float, xs: list[float], ys: list[float]) -> float:
    """np.interp in pure Python (clipped at the ends), xs ascending."""
    if s <= xs[0]:
        return float(ys[0])
    if s >= xs[-1]:
        return float(ys[-1])
    lo, hi = 0, len(xs) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xs[mid] <= s:
            lo = mid
        else:
            hi = mid
    x0, x1, y0, y1 = xs[lo], xs[hi], ys[lo], ys[hi]
    return float(y0 if x1 == x0 else y0 + (y1 - y0) * (s - x0) / (x1 - x0))


def threshold_for_precision(scores: Sequence[float], labels: Sequence[bool], target: float) -> tuple[float | None, float | None, float]:
    """(threshold, precision, coverage): the lowest score t whose pairs with score >= t reach ``target`` precision.

    Lowest = the most pairs kept (coverage = kept / all). (None, best precision seen, 0.0) when no t reaches it.
    """
    pairs = sorted(zip(scores, labels), key=lambda p: -p[0])
    if not pairs:
        return None, None, 0.0
    best_t, best_p, best_n = None, None, 0
    tp = n = 0
    top_precision = 0.0
    i = 0
    while i < len(pairs):
        value = pairs[i][0]
        while i < len(pairs) and pairs[i][0] == value:  # a threshold keeps every tie
            tp += bool(pairs[i][1])
            n += 1
            i += 1
        precision = tp / n
        top_precision = max(top_precision, precision)
        if precision >= target:
            best_t, best_p, best_n = float(value), precision, n
    if best_t is None:
        return None, top_precision, 0.0
    return best_t, best_p, best_n / len(pairs)


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Mann-Whitney AUC with ties counted half; None when a class is missing."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return None
    ranked = sorted((s, i) for i, s in enumerate(list(pos) + list(neg)))
    ranks = [0.0] * len(ranked)
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[ranked[k][1]] = (i + j) / 2 + 1
        i = j + 1
    rank_pos = sum(ranks[: len(pos)])
    return (rank_pos - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def fit_calibration(
    scores: Sequence[float], labels: Sequence[bool], *, method: Method = "isotonic", target_precision: float = 0.9, source: str | None = None, model_version: str | None = None
) -> Calibration:
    """Fit ``method`` on (raw score, keeps intent) pairs and find the threshold for ``target_precision``."""
    import numpy as np

    if method not in ("isotonic", "platt"):
        raise QrwError(f"unknown calibration method {method!r}: use isotonic or platt")
    if not 0.0 < target_precision <= 1.0:
        raise QrwError(f"target precision must be in (0, 1], not {target_precision}")
    s = np.clip(np.asarray(scores, dtype=float), 0.0, 1.0)
    y = np.asarray(labels, dtype=bool)
    if len(s) != len(y):
        raise QrwError(f"{len(s)} scores but {len(y)} labels")
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives < MIN_PER_CLASS or negatives < MIN_PER_CLASS:
        raise QrwError(
            f"calibration needs at least {MIN_PER_CLASS} dev pairs of each class (keeps intent / not); "
            f"got {positives} and {negatives}: build the training data with more labelled dev pairs"
        )
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(s, y.astype(float))
        mapping = {"x": [float(v) for v in iso.X_thresholds_], "y": [float(v) for v in iso.y_thresholds_]}
    else:
        from sklearn.linear_model import LogisticRegression

        feats = np.array([[_logit(v)] for v in s])
        lr = LogisticRegression(C=1e6, max_iter=1000).fit(feats, y)
        mapping = {"a": float(lr.coef_[0][0]), "b": float(lr.intercept_[0])}
    draft = Calibration(method=method, mapping=mapping, target_precision=target_precision, threshold=None)
    calibrated = draft.apply_many(list(s))
    threshold, precision, coverage = threshold_for_precision(calibrated, list(y), target_precision)
    population = {
        "pairs": int(len(s)),
        "positives": positives,
        "negatives": negatives,
        "positive_grade": POSITIVE_GRADE,
        "auc": roc_auc(list(s), list(y)),
        "share_positive": round(positives / len(s), 4),
    }
    return Calibration(
        method=method, mapping=mapping, target_precision=target_precision, threshold=threshold,
        precision_at_threshold=precision, coverage_at_threshold=round(coverage, 4), population=population, source=source,
        model_version=model_version,
    )


def calibration_path(model_dir: str | Path) -> Path:
    return Path(model_dir) / CALIBRATION_FILE


def write_calibration(model_dir: str | Path, cal: Calibration) -> Path:
    path = calibration_path(model_dir)
    path.write_text(json.dumps(cal.to_dict(), indent=2))
    return path


def read_calibration(model_dir: str | Path, model_version: str | None = None) -> Calibration | None:
    """The model's calibration, or None when it has none (an uncalibrated model).

    With ``model_version``: a calibration fitted on other weights (the model was retrained
    into the same folder) is refused, never applied to scores it was not fitted on.
    """
    path = calibration_path(model_dir)
    if not path.exists():
        return None
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QrwError(f"cannot read {path} ({exc}); refit it with `qrw train calibrate --model {model_dir}`") from None
    if not isinstance(obj, dict):
        raise QrwError(f"{path} is not a JSON object; refit it with `qrw train calibrate --model {model_dir}`")
    cal = Calibration.from_dict(obj, str(path))
    if model_version is not None and cal.model_version is not None and cal.model_version != model_version:
        from .grounding import parse_scoring_version

        (fitted, fitted_k), (now, now_k) = parse_scoring_version(cal.model_version), parse_scoring_version(model_version)
        if fitted == now:  # same weights, other grounding: another score
            raise QrwError(
                f"{path} was fitted on scores with rewrite.grounding={fitted_k}, but this run scores with rewrite.grounding={now_k}: "
                f"refit it with `qrw train calibrate --model {model_dir} --data DIR --set rewrite.grounding={now_k}`, "
                f"or run with rewrite.grounding={fitted_k}"
            )
        raise QrwError(
            f"{path} was fitted on model {cal.model_version}, but {model_dir} is now {model_version} (retrained?): "
            f"refit it with `qrw train calibrate --model {model_dir} --data DIR`, or delete it to run uncalibrated"
        )
    return cal


#: The threshold ``rewrite.min_relevance: auto`` falls back to for a model without a calibration
#: (the raw score's midpoint: the pre-calibration default).
UNCALIBRATED_MIN_RELEVANCE = 0.5


def resolve_min_relevance(setting: float | str, cal: Calibration | None, where: str = "the scoring model") -> tuple[float, str]:
    """(threshold the nightly job applies, where it came from): THE rule for ``rewrite.min_relevance``.

    A number is used as given (on the calibrated scale when the model has a calibration).
    ``auto``: the calibration's recorded threshold for its target precision; above 1 (keeps
    nothing) when no threshold reached it on dev; 0.5 for an uncalibrated model.
    """
    if setting != "auto":
        return float(setting), "rewrite.min_relevance"
    if cal is None:
        return UNCALIBRATED_MIN_RELEVANCE, f"uncalibrated default ({where} has no {CALIBRATION_FILE}: run `qrw train calibrate`)"
    if cal.threshold is None:
        return 1.0 + 1e-9, (
            f"{CALIBRATION_FILE} of {where}: no threshold reached precision {cal.target_precision} on dev, so no rewrite is kept"
        )
    return float(cal.threshold), (
        f"{CALIBRATION_FILE} of {where}: precision {cal.precision_at_threshold:.3f} >= {cal.target_precision} at dev coverage {cal.coverage_at_threshold:.3f}"
    )
