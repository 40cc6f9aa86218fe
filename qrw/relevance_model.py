"""A relevance model apart from the LLM: gradient-boosted trees over lexical features of (query, rewrite).

Why it exists: the nightly job ranks and filters by relevance, and at the sizes this
project trains on a CPU the multi-task LLM's tagging separates same-intent rewrites
from drift poorly (dev AUC ~0.7 in the demo, docs/results.md), so the calibrated
threshold for 90% precision keeps almost nothing. Issue #12 allows "a separate
relevance model, chosen by measurement on dev": this is one, small and fast enough to
score every candidate on the executor's CPU beside the engine.

What it sees: only the two strings, through features that carry across shops (no
vocabulary of ours): character-trigram and word overlap in both directions, whether
the numbers agree or contradict ("2 seater" vs "3 seater", "15.6 inch" vs "1.5
litre"), the same words reordered, fuzzy word matches (misspellings), the last word
(the product type, in English queries), lengths. It learns from the training split's
labelled pairs only (``relevance_train.jsonl``: behaviour labels, human labels when
given, and the data job's hard negatives), so its dev and test numbers are held out.

Its directory holds ``relevance_model.pkl`` (scikit-learn; a pickle, trusted as model
weights are) and ``qrw_model.json`` (``kind: relevance``, ``model_version``, its
training rows and dev metrics); :func:`qrw.engine.get_engine` serves it
(:class:`qrw.engine.relevance.RelevanceScorer`) as the scorer of ``rewrite.scorer_model``,
and ``qrw train calibrate`` calibrates it like an LLM scorer. It only scores: it cannot
generate rewrites. This module needs no inference engine (``qrw/train`` uses it).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import pickle
import re
from collections.abc import Sequence
from pathlib import Path

from .errors import QrwError
from .normalize import normalize
from .prompts import relevance_from_probs

KIND = "relevance"
WEIGHTS = "relevance_model.pkl"
GRADES = (0, 1, 2)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")

FEATURES = (
    "char3_jaccard",
    "word_jaccard",
    "query_words_in_rewrite",
    "rewrite_words_in_query",
    "fuzzy_query_words_in_rewrite",
    "numbers_contradict",
    "query_numbers_kept",
    "same_words_reordered",
    "sequence_ratio",
    "last_word_same",
    "last_word_fuzzy",
    "length_ratio",
    "query_words",
    "rewrite_words",
)


def _trigrams(text: str) -> set[str]:
    padded = f" {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _close(a: str, b: str) -> bool:
    return a == b or (len(a) > 3 and len(b) > 3 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.8)


def features(query: str, rewrite: str) -> list[float]:
    """The feature vector of one pair (order of :data:`FEATURES`), on normalized text."""
    q, r = normalize(query or ""), normalize(rewrite or "")
    qw, rw = q.split(), r.split()
    qs, rs = set(qw), set(rw)
    qg, rg = _trigrams(q), _trigrams(r)
    qn, rn = set(_NUMBER.findall(q)), set(_NUMBER.findall(r))
    common = len(qs & rs)
    fuzzy = sum(any(_close(a, b) for b in rs) for a in qs)
    return [
        len(qg & rg) / max(1, len(qg | rg)),
        common / max(1, len(qs | rs)),
        common / max(1, len(qs)),
        common / max(1, len(rs)),
        fuzzy / max(1, len(qs)),
        float(bool(qn) and bool(rn) and qn != rn),
        float(bool(qn) and qn <= rn),
        float(bool(qw) and sorted(qw) == sorted(rw)),
        difflib.SequenceMatcher(None, q, r).ratio(),
        float(bool(qw) and qw[-1:] == rw[-1:]),
        float(bool(qw) and bool(rw) and _close(qw[-1], rw[-1])),
        len(r) / max(1, len(q)),
        float(len(qw)),
        float(len(rw)),
    ]


def is_relevance_model(model_dir: str | Path) -> bool:
    """True for a directory `qrw train relevance` wrote."""
    path = Path(model_dir).expanduser() / "qrw_model.json"
    if not path.exists() or not (Path(model_dir).expanduser() / WEIGHTS).exists():
        return False
    try:
        return json.loads(path.read_text()).get("kind") == KIND
    except (OSError, ValueError):
        return False


def fit(rows: Sequence[dict], seed: int = 0):
    """A 3-grade classifier on (query, rewrite, grade) rows."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    rows = [r for r in rows if r.get("grade") in GRADES and r.get("query") and r.get("rewrite")]
    if len({int(r["grade"]) for r in rows}) < 2:
        raise QrwError(f"a relevance model needs labelled pairs of at least two grades; got {len(rows)} rows")
    x = np.array([features(r["query"], r["rewrite"]) for r in rows])
    y = np.array([int(r["grade"]) for r in rows])
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=seed)
    return model.fit(x, y)


def save(model, out: str | Path, **manifest) -> dict:
    """Write the weights and the manifest; ``model_version`` is derived from the weights."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    blob = pickle.dumps(model)
    (out / WEIGHTS).write_bytes(blob)
    fields = {"kind": KIND, "model_version": f"{out.name}-{hashlib.sha256(blob).hexdigest()[:12]}", "features": list(FEATURES), **manifest}
    (out / "qrw_model.json").write_text(json.dumps(fields, indent=2, default=str))
    return fields


def load(model_dir: str | Path) -> tuple[object, dict]:
    """(classifier, manifest) of a relevance model directory; a clear error for anything else."""
    model_dir = Path(model_dir).expanduser()
    if not is_relevance_model(model_dir):
        raise QrwError(f"{model_dir} is not a relevance model (no {WEIGHTS} and qrw_model.json of kind {KIND!r}); train one with `qrw train relevance`")
    return pickle.loads((model_dir / WEIGHTS).read_bytes()), json.loads((model_dir / "qrw_model.json").read_text())


def label_probs(model, pairs: Sequence[tuple[str, str]]) -> list[dict[int, float]]:
    """grade -> probability for each (query, rewrite): the same shape an LLM's label-token scorer returns."""
    if not pairs:
        return []
    import numpy as np

    probs = model.predict_proba(np.array([features(q, r) for q, r in pairs]))
    classes = [int(c) for c in model.classes_]
    return [{g: float(row[classes.index(g)]) if g in classes else 0.0 for g in GRADES} for row in probs]


def scores(model_dir: str | Path, pairs: Sequence[tuple[str, str]]) -> list[float]:
    """Expected relevance in [0, 1] per pair (:func:`qrw.prompts.relevance_from_probs`), as the nightly job scores."""
    model, _ = load(model_dir)
    return [relevance_from_probs(p) for p in label_probs(model, pairs)]
