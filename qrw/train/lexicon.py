"""``qrw train lexicon``: mine the term lexicon (:mod:`qrw.lexicon`) from the train split's behaviour.

Reads ``grpo_train.jsonl`` (each train query with the products its users engaged with)
and ``catalog.jsonl`` (titles and the indexed text), so no dev or test query reaches it.
Seconds on a CPU; the manifest records what was mined and from which data.
"""

from __future__ import annotations

import logging
import time

from ..config import QrwConfig
from ..errors import QrwError
from ..lexicon import LexiconSettings, engagement_weight, event_weights, mine
from .data import CATALOG, GRPO_TRAIN, export_dir, read_jsonl, snapshot

log = logging.getLogger(__name__)


def train_lexicon(cfg: QrwConfig, *, data: str, out: str) -> dict:
    """Mine, write ``out``; returns the manifest."""
    started = time.perf_counter()
    folder = export_dir(data)
    queries = read_jsonl(folder / GRPO_TRAIN, required=False)
    if not queries:
        raise QrwError(f"{folder / GRPO_TRAIN} is missing or empty: re-run `qrw build-training-data` (it writes the train queries' engaged products there)")
    catalog = read_jsonl(folder / CATALOG)
    if not catalog or "title" not in catalog[0]:
        raise QrwError(f"{folder / CATALOG} has no titles (written by an older `qrw build-training-data`): re-run it")
    settings = LexiconSettings(**cfg.train.lexicon.model_dump())
    gains = event_weights(cfg.train.grpo)
    engaged = ((r["query_norm"], {p["product_id"]: engagement_weight(p, gains) for p in r["products"]}) for r in queries)
    lexicon = mine(engaged, {r["product_id"]: r["title"] for r in catalog}, [r["text"] for r in catalog], settings)
    metrics = {"train_queries": len(queries), "products": len(catalog), "train_seconds": round(time.perf_counter() - started, 2)}
    manifest = lexicon.save(out, data=snapshot(data), metrics=metrics)
    log.info("lexicon written to %s: %d mapped words over a %d-word vocabulary (%s)", out, len(lexicon.terms), len(lexicon.vocabulary), metrics)
    return manifest
