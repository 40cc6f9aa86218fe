"""``qrw evaluate``: the rewrite dictionary and the models, on the **test** split by default.

Inputs: the sample world's hidden truth (``--world``: truth_queries, truth_intents,
catalog), the dictionary (``--table``), the training-data output (``--data``: which
split each query is in, what users bought after it, the held-out labelled pairs) and
model dirs (``--model``: tagging accuracy and macro-F1 on the split's labelled pairs).

Reported, separately and labelled:

* the chosen split (``test``; ``dev`` for tuning): queries the models never trained on;
* the **train slice, in-sample**: those queries' mined rewrites were SFT targets, so
  its numbers say what the model memorized, not how it generalizes.

Beside qrw's dictionary: no rewrite, a typo-tolerant search, retrieval-first (nearest
catalog title) and the oracle (qrw.eval.baselines), all under the evaluation's own
engine (qrw.eval.search: BM25 + minimum-should-match), which is not the GRPO reward's.
Writes ``metrics.json`` and ``report.html`` (qrw.eval.report).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from ..config import QrwConfig
from ..data.splits import TRAIN
from ..errors import QrwError
from ..manifest import read_manifest
from ..normalize import normalize
from .baselines import RetrievalFirst, TypoTolerant
from .metrics import pair_frame, relevance_block, summarize_system, system_frame, tagging_block
from .search import AndSearch

console = Console()

SYSTEMS = ("qrw", "no_rewrite", "typo_tolerant", "retrieval_first", "oracle")
IN_SAMPLE = "train_in_sample"


def _read_delta(spark, path: str) -> pd.DataFrame:
    from ..io.formats import is_delta_table

    if not is_delta_table(spark, path):
        raise QrwError(f"{path} is not a Delta table")
    return spark.read.format("delta").load(path).toPandas()


def load_truth(spark, world: str) -> dict:
    return truth_from_frames(_read_delta(spark, f"{world}/truth_queries"), _read_delta(spark, f"{world}/truth_intents"), _read_delta(spark, f"{world}/catalog"))


def truth_from_frames(truth_q: pd.DataFrame, truth_i: pd.DataFrame, catalog: pd.DataFrame) -> dict:
    """What the Evaluator needs from a world's truth tables and catalog (read from disk or in memory)."""
    return {
        "queries": truth_q[["query_norm", "intent_id", "gap_type", "canonical_query"]].drop_duplicates("query_norm"),
        "intent_products": {i: set(p) for i, p in zip(truth_i["intent_id"], truth_i["product_ids"])},
        "catalog": catalog,
    }


def load_dictionary(spark, table: str) -> pd.DataFrame:
    from ..io.formats import is_delta_table

    if not is_delta_table(spark, table):
        raise QrwError(f"{table} is not a Delta table (the rewrite_dictionary `qrw rewrite` writes)")
    df = spark.read.format("delta").load(table)
    cols = ["query_norm", "rewrites"] + (["query_freq"] if "query_freq" in df.columns else [])
    pdf = df.select(*cols).toPandas()
    pdf["rewrites"] = pdf["rewrites"].map(lambda rws: [r.asDict() if hasattr(r, "asDict") else dict(r) for r in (rws if rws is not None else [])])
    if "query_freq" not in pdf:
        pdf["query_freq"] = 0
    return pdf


def bought_products(data: str, split: str) -> dict[str, set[str]]:
    """query_norm -> products users ordered after it (the training-data export's GRPO rows of that split)."""
    from ..train.data import export_dir, read_jsonl

    rows = read_jsonl(export_dir(data) / f"grpo_{split}.jsonl", required=False)
    return {r["query_norm"]: {p["product_id"] for p in r["products"] if (p.get("orders") or 0) > 0} for r in rows}


class Evaluator:
    """Everything shared by the slices: the engine, the baselines, the truth."""

    def __init__(self, truth: dict, tail_max_freq: int, min_relevance: float):
        self.truth = truth
        self.search = AndSearch.from_catalog(truth["catalog"].to_dict("records"))
        self.typo = TypoTolerant(self.search.vocabulary())
        self.nearest = RetrievalFirst(truth["catalog"]["title"].tolist())
        self.tail_max_freq = tail_max_freq
        self.min_relevance = min_relevance

    def slice(self, dictionary: pd.DataFrame, wanted: set[str], bought: dict[str, set[str]],
              extra: dict[str, dict[str, list[str]]] | None = None) -> tuple[dict, dict[str, pd.DataFrame], pd.DataFrame]:
        """Metrics of every system on the dictionary's queries in ``wanted``; ``extra``: more systems to
        measure on the same queries (name -> query_norm -> rewrites), e.g. one candidate source alone."""
        rows = dictionary[dictionary["query_norm"].isin(wanted)].merge(self.truth["queries"], on="query_norm", how="inner")
        rows = rows.sort_values("query_norm").reset_index(drop=True)
        rows["segment"] = ["tail" if f <= self.tail_max_freq else "head" for f in rows["query_freq"].fillna(0)]
        rows["bought"] = [bought.get(q) or set() for q in rows["query_norm"]]
        queries = rows["query_norm"].tolist()
        q_hits = self.search.search(queries)
        ip = self.truth["intent_products"]
        systems = {
            "qrw": [[r["rewrite"] for r in rws] for rws in rows["rewrites"]],
            "no_rewrite": [[] for _ in queries],
            "typo_tolerant": [[r] if r else [] for r in self.typo.rewrites(queries)],
            "retrieval_first": [[r] if r and r != q else [] for r, q in zip(self.nearest.rewrites(queries), queries)],
            "oracle": [[c] if c and c != q else [] for c, q in zip(rows["canonical_query"], queries)],
            **{name: [list(by_query.get(q) or []) for q in queries] for name, by_query in (extra or {}).items()},
        }
        frames = {name: system_frame(rows, rws, q_hits, self.search, ip) for name, rws in systems.items()}
        pairs = pair_frame(rows, rows["rewrites"].tolist(), self.search, ip)
        result = {name: summarize_system(f) for name, f in frames.items()}
        result["relevance"] = relevance_block(pairs, self.min_relevance)
        result["queries"] = len(rows)
        result["with_rewrites_in_dictionary"] = int(sum(bool(r) for r in rows["rewrites"]))
        return result, frames, pairs


def applied_min_relevance(spark, table: str, cfg: QrwConfig) -> float:
    """The threshold the dictionary was filtered at: rewrite.min_relevance, or for ``auto`` what its latest run applied."""
    from ..calibration import UNCALIBRATED_MIN_RELEVANCE
    from ..io.formats import is_delta_table
    from ..tables import runs_path

    if cfg.rewrite.min_relevance != "auto":
        return float(cfg.rewrite.min_relevance)
    path = runs_path(table)
    if is_delta_table(spark, path):
        runs = spark.read.format("delta").load(path)
        if "min_relevance_applied" in runs.columns:
            row = (
                runs.where("status = 'succeeded' AND min_relevance_applied IS NOT NULL")
                .orderBy(runs["recorded_at"].desc()).select("min_relevance_applied").limit(1).collect()
            )
            if row:
                return min(1.0, float(row[0][0]))
    return UNCALIBRATED_MIN_RELEVANCE


def model_chain(models: list[str]) -> list[str]:
    """The models and, through their manifests' ``base``, the bootstrap they started from (for the leakage audit)."""
    seen: list[str] = []
    for model in models:
        path = Path(model)
        for _ in range(5):
            if not (path / "qrw_model.json").exists() or str(path) in seen:
                break
            seen.append(str(path))
            base = read_manifest(path).get("base")
            if not base:
                break
            path = Path(base)
    return seen


def tagging(models: list[str], data: str, split: str, cfg: QrwConfig) -> dict:
    """Accuracy and macro-F1 of each model's argmax grade on the split's labelled pairs."""
    from ..train.data import export_dir, read_jsonl

    rows = read_jsonl(export_dir(data) / f"relevance_{split}.jsonl", required=False, limit=cfg.train.sft.max_eval_examples)
    rows = [r for r in rows if r.get("grade") in (0, 1, 2)]
    out: dict = {}
    if not rows or not models:
        return out
    from .. import relevance_model
    from ..train.modeling import load_model, load_tokenizer, setup_torch
    from ..train.scoring import label_probs

    setup_torch(cfg.train)
    pairs = [(r["query"], r["rewrite"]) for r in rows]
    for model in models:
        if relevance_model.is_relevance_model(model):
            probs = relevance_model.label_probs(relevance_model.load(model)[0], pairs)
        else:
            tok, m = load_tokenizer(model), load_model(model, trainable=False)
            probs = label_probs(m, tok, pairs, cfg.train.sft.eval_batch_size)
        out[Path(model).name] = tagging_block([int(r["grade"]) for r in rows], [max(p, key=p.get) for p in probs])
    return out


def model_metrics(models: list[str]) -> dict:
    """What each manifest recorded (steps, seconds, the dev-split numbers), for the report."""
    out = {}
    for model in models:
        manifest = read_manifest(model)
        metrics = manifest.get("metrics") or {}
        keep = {k: v for k, v in metrics.items() if not isinstance(v, (dict, list))}
        for when in ("before", "after"):
            if isinstance(metrics.get(when), dict):
                keep[f"{when}_fused_mean"] = metrics[when].get("fused_mean")
        out[Path(model).name] = {"kind": manifest.get("kind"), "model_version": manifest.get("model_version"), **keep}
    return out


def evaluate(cfg: QrwConfig, *, world: str | None, table: str | None, data: str | None, models: list[str], out: str | None,
             split: str = "test", timings: dict | None = None) -> dict:
    from ..spark import spark_session
    from ..train.data import export_dir, query_splits
    from .leakage import audit

    started = time.perf_counter()
    root = Path(cfg.paths.data_dir)
    world = world or str(root / "world")
    data = data or str(root / "training")
    if split not in ("test", "dev"):
        raise QrwError(f"--split must be test (reporting) or dev (tuning), not {split!r}")
    splits = query_splits(data)  # a clear error when --data is not a training-data output
    out_dir = Path(out or root / "report")
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {split: sum(s == split for s in splits.values()), TRAIN: sum(s == TRAIN for s in splits.values())}
    result: dict = {
        "world": world, "table": table, "data": str(data), "split": split, "engine": AndSearch.name,
        "split_queries": counts, "models": model_metrics(models),
    }
    summary_path = export_dir(data).parent / "summary.json"
    if summary_path.exists():
        s = json.loads(summary_path.read_text())
        result["data_summary"] = {k: s.get(k) for k in ("events", "queries", "splits", "sft_mix", "seconds") if k in s}
        result["data_summary"]["pairs_kept"] = (s.get("pairs") or {}).get("kept")
    frames: dict[str, pd.DataFrame] = {}
    pairs = pd.DataFrame()
    catalog_text: set[str] | None = None  # corpus.txt lines that are the shop's own titles/descriptions are not leaks
    if table:
        spark = spark_session(cfg)
        ev = Evaluator(load_truth(spark, world), cfg.rewrite.tail_max_freq, applied_min_relevance(spark, table, cfg))
        dictionary = load_dictionary(spark, table)
        catalog = ev.truth["catalog"]
        catalog_text = {normalize(t) for t in catalog["title"].dropna()} | {normalize(d) for d in catalog["description"].dropna()}
        result["dictionary_rows"] = len(dictionary)
        wanted = {q for q, s in splits.items() if s == split}
        result[split], frames, pairs = ev.slice(dictionary, wanted, bought_products(data, split))
        in_sample, _, _ = ev.slice(dictionary, {q for q, s in splits.items() if s == TRAIN}, bought_products(data, TRAIN))
        result[IN_SAMPLE] = {"note": "in-sample: these queries' mined rewrites were SFT targets", **in_sample}
    result["tagging"] = tagging(models, data, split, cfg)
    chain = model_chain(models)
    bases = [m for m in chain if (Path(m) / "bootstrap_documents.jsonl.gz").exists()]
    result["leakage"] = audit(data, bases[0] if bases else None, catalog_titles=catalog_text)
    result["timings"] = {**(timings or {}), "evaluate_s": round(time.perf_counter() - started, 1)}
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2, default=_json_default))
    from .report import write_report

    write_report(out_dir / "report.html", result, frames, pairs)
    _print(result)
    console.print(f"report: {out_dir / 'report.html'}")
    return result


def _json_default(value):
    if isinstance(value, set):
        return sorted(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def _print(result: dict) -> None:
    split = result["split"]
    cols = ("queries", "coverage", "intent_kept_all", "intent_kept_covered", "recall@10_query", "recall@10_merged", "harm_rate")
    for slice_name, label in ((split, f"{split} split"), (IN_SAMPLE, "train split (in-sample)")):
        block = result.get(slice_name)
        if not block:
            continue
        table = Table(title=f"rewrite dictionary vs ground truth: {label}, engine {result['engine']}")
        table.add_column("system")
        for c in cols:
            table.add_column(c, justify="right")
        for name in SYSTEMS:
            row = block[name]["all"]
            table.add_row(name, *(_fmt(row.get(c)) for c in cols))
        console.print(table)
        rel = block["relevance"]
        if rel.get("pairs"):
            console.print(f"{label}: relevance AUC {_fmt(rel['auc'])}, ECE {_fmt(rel['ece'])}, precision at >= {rel['threshold']} "
                          f"{_fmt(rel['precision_at_threshold'])} over {rel['pairs']} pairs")
    for name, t in result.get("tagging", {}).items():
        console.print(f"tagging ({split}) {name}: accuracy {_fmt(t.get('accuracy'))}, macro-F1 {_fmt(t.get('macro_f1'))}, majority {_fmt(t.get('majority_rate'))}")
    leak = result.get("leakage", {})
    console.print(f"leakage audit: {leak.get('leaked_queries')} of {leak.get('held_out_queries')} held-out queries found in training artifacts")
