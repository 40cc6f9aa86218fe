"""The large world as a benchmark (issue #11): its size, the data job, the relevance model and the baselines.

For each seed: generate the large sample world (``sim.world=large``) and write it (Delta),
run the training-data job, fit the relevance model, and measure on the **test split**
(queries hashed out of every training input):

* recall@10 and intent kept for no rewrite, typo-tolerant search, retrieval-first and the
  oracle (qrw.eval.baselines), under the evaluation's AND-like engine, over the test queries
  the nightly job would consider (searched by >= ``rewrite.min_users`` distinct users), head
  and tail; the gap a rewrite model has to close is oracle minus query alone;
* the nightly job's candidate sources without an LLM, each through the job's own
  ``engine_chunk``/``rank_chunk`` with an engine that proposes nothing, scored by the relevance
  model, calibrated on dev, kept at its recorded threshold for ``rewrite.target_precision``, top
  ``rewrite.top_k``: ``retrieved_scored`` (``rewrite.catalog``: the
  ``rewrite.retrieval_candidates`` nearest titles), ``lexicon_scored`` (``rewrite.lexicon``: the
  term lexicon's rewrite, qrw.lexicon, mined from the train split) and ``combined_scored`` (both:
  what the job publishes with no LLM); and ``lexicon_raw``, the lexicon's rewrite unscored;
* the relevance model's test tagging accuracy beside the majority rate and the lexical
  reference (scripts/baseline_relevance.py's trigram rule, fitted on the train pairs);
* wall seconds of each step.

    .venv/bin/python scripts/large_world.py --out /tmp/large --seeds 7,8

Writes ``OUT/large_world.json`` and prints a markdown table (docs/results.md).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
import numpy as np
import pandas as pd

SYSTEMS = ("no_rewrite", "typo_tolerant", "retrieval_first", "oracle")
#: "qrw" in the evaluator's frames is the dictionary handed to it: here both sources, scored.
COMBINED = "combined_scored"
SOURCES = ("retrieved_scored", "lexicon_scored", "lexicon_raw", COMBINED, "lexicon_grounded", "fallback_raw", "fallback_grounded")
#: Titles per candidate the grounded score takes the best of (``rewrite.grounding``; dev-chosen, session 12).
GROUNDING = 3
#: The null-result fallback: one title, only where neither the query nor the lexicon's rewrite matches a title.
FALLBACK = {"retrieval_when": "no_match", "retrieval_candidates": 1}


class _ProposesNothing:
    """The generating side of the job's chunk with no model: only the retrieved titles are candidates."""

    def generate(self, queries, decoding):
        return [[] for _ in queries]


class NoLlmSources:
    """The nightly job's non-LLM candidate sources and its scorer, built once per world.

    The relevance model is calibrated on dev twice (on the pairs' text, and grounded in the
    catalog titles each pair's rewrite retrieves, ``rewrite.grounding``), the title index,
    grounding and lexicon built once; :meth:`dictionary` then runs the job's own chunk code
    with any mix of them.
    """

    def __init__(self, cfg, world, relevance_dir: str, data: str, lexicon_dir: str):
        from qrw.calibration import resolve_min_relevance
        from qrw.engine.relevance import RelevanceScorer
        from qrw.grounding import Grounding
        from qrw.lexicon import load
        from qrw.retrieval import TitleIndex
        from qrw.rewrite.scoring import Scoring
        from qrw.train.calibrate import calibrate

        self.cfg = cfg
        self.scorer = RelevanceScorer(relevance_dir)
        self.scorings = {}
        for k in (0, GROUNDING):
            cal = calibrate(with_rewrite(cfg, grounding=k), model=relevance_dir, data=data)
            threshold, source = resolve_min_relevance("auto", cal)
            self.scorings[k] = Scoring(model_dir=relevance_dir, model_version=self.scorer.model_version, is_policy=False, calibration=cal,
                                       min_relevance=threshold, min_relevance_source=source, grounding=k)
        titles = world.catalog["title"].tolist()
        self.index = TitleIndex(titles)
        self.grounding = Grounding(titles, GROUNDING)
        self.lexicon = load(lexicon_dir)

    def settings(self, *, titles: bool, lexicon: bool, grounded: bool, **rewrite):
        from qrw.rewrite.infer import InferSettings

        cfg = with_rewrite(self.cfg, **rewrite)
        return InferSettings.from_config(cfg.engine, cfg.rewrite, model_dir="none", model_version="no-llm", scoring=self.scorings[GROUNDING if grounded else 0],
                                         retriever=self.index if titles else None, lexicon=self.lexicon if lexicon else None,
                                         grounding=self.grounding if grounded else None)

    def dictionary(self, queries: list[str], *, titles: bool = True, lexicon: bool = True, grounded: bool = False, **rewrite) -> tuple[list[list[dict]], dict]:
        """The rewrites the job keeps per query from the chosen sources, and how it was set."""
        from qrw.rewrite.infer import engine_chunk, rank_chunk

        settings = self.settings(titles=titles, lexicon=lexicon, grounded=grounded, **rewrite)
        rewrites: list[list[dict]] = []
        for start in range(0, len(queries), settings.chunk_size):
            keys = queries[start : start + settings.chunk_size]
            out, _ = rank_chunk(engine_chunk(keys, _ProposesNothing(), settings, self.scorer), settings)
            rewrites.extend(out["rewrites"])
        return rewrites, {"min_relevance": round(settings.min_relevance, 4), "titles": settings.retrieval_candidates, "retrieval_when": settings.retrieval_when,
                          "lexicon": lexicon, "grounding": GROUNDING if grounded else 0, "top_k": settings.top_k}

    def candidates(self, queries: list[str], **rewrite) -> dict[str, list[str]]:
        """The job's candidates from the lexicon and the titles, unscored (what the scorer has to choose from)."""
        from qrw.rewrite.lexical import with_lexicon
        from qrw.rewrite.retrieved import with_retrieved

        st = self.settings(titles=True, lexicon=True, grounded=False, **rewrite)
        none = [None] * len(queries)
        respelled = st.lexicon.rewrites(queries)
        found = with_retrieved(queries, [[] for _ in queries], none, st.retriever, st.retrieval_candidates, st.retrieval_when, respelled)
        found = with_lexicon(queries, found, none, st.lexicon, respelled)
        return {q: [c.text for c in cands] for q, cands in zip(queries, found) if cands}


def _pairs_block(ev, keys: list[str], found: list[list[dict]], wanted: pd.DataFrame) -> dict:
    """Precision of the published pairs (their rewrite retrieves a product of the intent, under the evaluation's engine)."""
    from qrw.eval.metrics import pair_frame

    rows = pd.DataFrame({"query_norm": keys}).merge(ev.truth["queries"], on="query_norm", how="left")
    pairs = pair_frame(rows, found, ev.search, ev.truth["intent_products"])
    return {"pairs": int(len(pairs)), "precision": round(float(pairs["kept"].mean()), 4) if len(pairs) else None}


def _candidate_auc(sources: NoLlmSources, ev, keys: list[str]) -> dict:
    """AUC of the text score and of the grounded score over every candidate the scorer has to judge (the
    lexicon's rewrite and the 3 nearest titles per query), against whether it retrieves a product of the intent."""
    from qrw.eval.metrics import roc_auc
    from qrw.grounding import GroundedScorer

    cands = sources.candidates(keys, retrieval_when="always", retrieval_candidates=3)
    pairs = [(q, c) for q, cs in cands.items() for c in cs]
    intent = dict(zip(ev.truth["queries"]["query_norm"], ev.truth["queries"]["intent_id"]))
    hits = ev.search.search([c for _, c in pairs])
    kept = [bool(set(h) & ev.truth["intent_products"].get(intent.get(q), set())) for h, (q, _) in zip(hits, pairs)]
    text = sources.scorer.score(pairs)
    grounded = GroundedScorer(sources.scorer, sources.grounding).score(pairs)
    return {"pairs": len(pairs), "share_kept": round(float(np.mean(kept)), 4),
            "auc_text": round(float(roc_auc(text, kept)), 4), "auc_grounded": round(float(roc_auc(grounded, kept)), 4)}


def with_rewrite(cfg, **changes):
    """The config with some rewrite.* settings changed (pydantic copies; the original is untouched)."""
    return cfg.model_copy(update={"rewrite": cfg.rewrite.model_copy(update=changes)}) if changes else cfg


def _baselines(cfg, world, splits: dict[str, str], relevance_dir: str | None = None, data: str | None = None, lexicon_dir: str | None = None) -> dict:
    from qrw.eval.run import Evaluator, truth_from_frames
    from qrw.normalize import normalize

    log = world.search_log[world.search_log["event_type"] == "search"]
    norms = log["query"].map(normalize)
    stats = pd.DataFrame({"query_norm": norms, "user_id": log["user_id"]}).groupby("query_norm").agg(
        query_freq=("user_id", "size"), distinct_users=("user_id", "nunique")
    )
    test = stats[[splits.get(q) == "test" for q in stats.index]]
    truth = truth_from_frames(world.truth_queries, world.truth_intents, world.catalog)
    ev = Evaluator(truth, cfg.rewrite.tail_max_freq, 0.5)
    sources = NoLlmSources(cfg, world, relevance_dir, data, lexicon_dir) if relevance_dir is not None else None
    out: dict = {"test_queries_in_log": int(len(test))}
    for name, wanted in (("nightly_denominator", test[test["distinct_users"] >= cfg.rewrite.min_users]), ("all_test_queries", test)):
        keys = list(wanted.index)
        rewrites = [[] for _ in keys]
        extra: dict[str, dict[str, list[str]]] = {}
        block: dict = {"queries": int(len(wanted))}
        if sources is not None:
            t = time.perf_counter()
            rewrites, block["combined_scored_settings"] = sources.dictionary(keys)
            block["combined_scored_seconds"] = round(time.perf_counter() - t, 1)
            for source, kw in (("retrieved_scored", {"lexicon": False}), ("lexicon_scored", {"titles": False})):
                found, _ = sources.dictionary(keys, **kw)
                extra[source] = {k: [r["rewrite"] for r in rws] for k, rws in zip(keys, found)}
            extra["lexicon_raw"] = {k: [r] for k, r in zip(keys, sources.lexicon.rewrites(keys)) if r}
            extra["fallback_raw"] = sources.candidates(keys, **FALLBACK)
            for source, kw in (("lexicon_grounded", {"titles": False, "grounded": True}), ("fallback_grounded", {"grounded": True, **FALLBACK})):
                t = time.perf_counter()
                found, block[f"{source}_settings"] = sources.dictionary(keys, **kw)
                block[f"{source}_seconds"] = round(time.perf_counter() - t, 1)
                extra[source] = {k: [r["rewrite"] for r in rws] for k, rws in zip(keys, found)}
                block[f"{source}_pairs"] = _pairs_block(ev, keys, found, wanted)
            block["lexicon_mapped_words"] = len(sources.lexicon.terms)
            block["candidate_auc"] = _candidate_auc(sources, ev, keys)
        dictionary = pd.DataFrame({"query_norm": keys, "rewrites": rewrites, "query_freq": wanted["query_freq"].to_numpy()})
        result, frames, _ = ev.slice(dictionary, set(keys), {}, extra)
        frames[COMBINED] = frames.pop("qrw")
        if sources is not None:
            block["combined_scored_relevance"] = result["relevance"]
        for system in (*SYSTEMS, *(SOURCES if sources is not None else ())):
            f = frames[system]
            block[system] = {
                "recall_at_10": round(float(f["recall_merged"].mean()), 4),
                "kept": round(float(f["kept"].mean()), 4),
                "covered": round(float(f["covered"].mean()), 4),
                "harm": round(float(f["harm"].mean()), 4),
                "tail_recall_at_10": round(float(f.loc[f["segment"] == "tail", "recall_merged"].mean()), 4),
                "head_recall_at_10": round(float(f.loc[f["segment"] == "head", "recall_merged"].mean()), 4),
            }
        block["tail_share"] = round(float((frames["no_rewrite"]["segment"] == "tail").mean()), 4)
        base, oracle = block["no_rewrite"]["recall_at_10"], block["oracle"]["recall_at_10"]
        best = max(block["typo_tolerant"]["recall_at_10"], block["retrieval_first"]["recall_at_10"])
        block["gap_closed_by_best_baseline"] = round((best - base) / (oracle - base), 4) if oracle > base else None
        block["must_beat_recall_at_10"] = round(max(base + 0.5 * (oracle - base), best + 0.05), 4)
        out[name] = block
    return out


def _tagging(data: str, model_dir: str) -> dict:
    from qrw import relevance_model
    from qrw.train.data import export_dir, read_jsonl

    folder = export_dir(data)
    train = read_jsonl(folder / "relevance_train.jsonl")
    test = [r for r in read_jsonl(folder / "relevance_test.jsonl", required=False) if r.get("grade") in relevance_model.GRADES]
    if not test:
        return {}
    from qrw.train.scoring import tagging_metrics

    model, _ = relevance_model.load(model_dir)
    measured = tagging_metrics(relevance_model.label_probs(model, [(r["query"], r["rewrite"]) for r in test]), test)
    # The lexical reference: trigram Jaccard with the two thresholds that fit the train pairs best.
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from baseline_relevance import best_thresholds, grade, similarity

    low, high = best_thresholds([(similarity(r["query"], r["rewrite"]), r["grade"]) for r in train if r.get("grade") in relevance_model.GRADES])
    lexical = np.mean([grade(similarity(r["query"], r["rewrite"]), low, high) == r["grade"] for r in test])
    return {
        "test_rows": len(test),
        **{k: v for k, v in measured.items() if not isinstance(v, dict)},
        "lexical_reference_accuracy": round(float(lexical), 4),
    }


def run_seed(seed: int, out: Path, overrides: list[str]) -> dict:
    from qrw.config import load_config
    from qrw.demo import DemoPaths, run_demo
    from qrw.sim import describe, generate_world
    from qrw.train.data import query_splits

    root = out / f"seed{seed}"
    cfg = load_config(None, ["sim.world=large", f"sim.seed={seed}", f"paths.data_dir={root}", *overrides])
    t = time.perf_counter()
    world = generate_world(cfg.sim)
    generate_s = time.perf_counter() - t
    result: dict = {"seed": seed, "world": describe(world), "seconds": {"generate": round(generate_s, 1)}}
    demo = run_demo(cfg, out=str(root), stages=["world", "data", "relevance", "lexicon"])
    result["seconds"].update({k: v for k, v in (demo.get("timings") or {}).items()})
    p = DemoPaths(root)
    summary = json.loads((p.training / "summary.json").read_text()) if (p.training / "summary.json").exists() else {}
    result["data_job"] = {k: summary.get(k) for k in ("queries", "splits", "pairs", "sft_mix", "seconds") if k in summary}
    manifest = json.loads((p.model("relevance") / "qrw_model.json").read_text())
    result["relevance_model_dev"] = {k: manifest.get("metrics", {}).get(k) for k in ("train_rows", "relevance_accuracy", "majority_rate", "relevance_auc", "train_seconds")}
    result["relevance_model_test"] = _tagging(str(p.training), str(p.model("relevance")))
    t = time.perf_counter()
    result["baselines_test"] = _baselines(cfg, world, query_splits(str(p.training)), str(p.model("relevance")), str(p.training), str(p.model("lexicon")))
    result["seconds"]["baselines"] = round(time.perf_counter() - t, 1)
    return result


def _table(results: list[dict]) -> str:
    lines = [
        "| seed | products | categories | distinct queries | test queries (>= 2 users) | tail share | "
        "no rewrite | typo-tolerant | retrieval-first | oracle | must reach (#11) | "
        + " | ".join(s.replace("_", " ") for s in SOURCES) + " |",
        "|---|---|---|---|---|---|---|---|---|---|---|" + "---|" * len(SOURCES),
    ]
    for r in results:
        b = r["baselines_test"]["nightly_denominator"]
        w = r["world"]
        lines.append(
            f"| {r['seed']} | {w['products']} | {w['categories']} | {w['distinct_queries']} | {b['queries']} | {b['tail_share']} | "
            + " | ".join(f"{b[s]['recall_at_10']:.3f} (tail {b[s]['tail_recall_at_10']:.3f})" for s in SYSTEMS)
            + f" | {b['must_beat_recall_at_10']:.3f} | "
            + " | ".join(f"{b[s]['recall_at_10']:.3f} (tail {b[s]['tail_recall_at_10']:.3f}, covered {b[s]['covered']:.3f}, kept {b[s]['kept']:.3f}, "
                         f"harm {b[s]['harm']:.3f})" if s in b else "-" for s in SOURCES) + " |"
        )
    return "\n".join(lines)


@click.command()
@click.option("--out", required=True, type=click.Path(file_okay=False))
@click.option("--seeds", default="7,8", show_default=True)
@click.option("--set", "overrides", multiple=True, help="config override, e.g. sim.catalog_scale=10")
def main(out: str, seeds: str, overrides: tuple[str, ...]) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for seed in (int(s) for s in seeds.split(",")):
        results.append(run_seed(seed, out_dir, list(overrides)))
        (out_dir / "large_world.json").write_text(json.dumps(results, indent=2, default=str))
    print(_table(results))
    print(json.dumps([{k: r[k] for k in ("seed", "seconds", "relevance_model_dev", "relevance_model_test")} for r in results], indent=2, default=str))


if __name__ == "__main__":
    main()
