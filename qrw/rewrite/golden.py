"""The nightly job's golden-relevance check: score the golden pairs with the run's scorer, in the engine workers.

One small Spark stage before the inference stage, in the same dedicated Python worker pool
(:func:`qrw.rewrite.workers.engine_worker_pool`) and with the same GPU profile, so it loads
(and warms) the engine the inference stage then reuses: no second copy of a model on the
driver. Scores go through the run's calibration; the decision is the run's threshold.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from ..golden_relevance import GoldenPair, measure
from ..grounding import GroundedScorer
from .infer import InferSettings, calibrated, task_placement

GOLDEN_SCHEMA = "i long, relevance double"


def make_golden_fn(settings: InferSettings):
    """mapInArrow function: (i, query, rewrite) batches -> (i, calibrated relevance) with the scorer's engine."""

    def score(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from ..engine import get_engine

        _, _, gpu = task_placement()
        scorer = get_engine(settings.engine, settings.scorer_dir or settings.model_dir, device=gpu)
        if settings.grounding is not None:  # the same score the threshold means (rewrite.grounding)
            scorer = GroundedScorer(scorer, settings.grounding)
        for batch in batches:
            cols = batch.to_pydict()
            if not cols["i"]:
                continue
            scores = calibrated(scorer.score(list(zip(cols["query"], cols["rewrite"]))), settings)
            yield pa.RecordBatch.from_pydict({"i": cols["i"], "relevance": [float(s) for s in scores]}, schema=pa.schema([("i", pa.int64()), ("relevance", pa.float64())]))

    return score


def score_golden(spark, settings: InferSettings, pairs: list[GoldenPair], *, profile=None, preload: str | None = "auto") -> dict:
    """The golden pairs' accuracy and AUC at the run's threshold (:func:`qrw.golden_relevance.measure`)."""
    from .workers import engine_worker_pool

    frame = spark.createDataFrame([(i, p.query, p.rewrite) for i, p in enumerate(pairs)], "i long, query string, rewrite string").coalesce(1)
    with engine_worker_pool(spark.sparkContext, settings, preload):
        rows = frame.mapInArrow(make_golden_fn(settings), GOLDEN_SCHEMA, profile=profile).collect()
    by_index = {int(r["i"]): r["relevance"] for r in rows}
    return measure(pairs, [by_index.get(i) for i in range(len(pairs))], settings.min_relevance)
