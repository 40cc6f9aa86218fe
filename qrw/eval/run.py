"""`qrw evaluate`: dictionary metrics against the sample world's truth, model metrics from
the manifests, written as ``metrics.json`` and ``report.html``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from ..config import QrwConfig
from ..errors import QrwError
from ..manifest import read_manifest
from ..retrieval import OfflineSearch
from .metrics import pair_frame, per_query_frame, summarize
from .report import write_report

console = Console()


def _read_delta(spark, path: str) -> pd.DataFrame:
    from ..io.formats import is_delta_table

    if not is_delta_table(spark, path):
        raise QrwError(f"{path} is not a Delta table")
    return spark.read.format("delta").load(path).toPandas()


def evaluate_dictionary(spark, world: str, table: str) -> tuple[dict, pd.DataFrame]:
    truth_q = _read_delta(spark, f"{world}/truth_queries")
    truth_i = _read_delta(spark, f"{world}/truth_intents")
    catalog = _read_delta(spark, f"{world}/catalog")
    dictionary = spark.read.format("delta").load(table).select("query_norm", "rewrites").toPandas()
    dictionary["rewrites"] = dictionary["rewrites"].map(lambda rws: [r.asDict() if hasattr(r, "asDict") else dict(r) for r in (rws if rws is not None else [])])
    search = OfflineSearch.from_catalog(catalog.to_dict("records"))
    intent_products = {i: set(p) for i, p in zip(truth_i["intent_id"], truth_i["product_ids"])}
    per_query = per_query_frame(dictionary, truth_q[["query_norm", "intent_id", "gap_type", "canonical_query"]], intent_products, search)
    pairs = pair_frame(per_query, intent_products, search) if len(per_query) else pd.DataFrame(columns=["relevance", "preserving"])
    return summarize(per_query, pairs), per_query


def model_metrics(models: list[str]) -> dict:
    out = {}
    for model in models:
        manifest = read_manifest(model)
        out[Path(model).name] = {"model_version": manifest.get("model_version"), **(manifest.get("eval") or manifest.get("metrics") or {})}
    return out


def evaluate(cfg: QrwConfig, *, world: str | None, table: str | None, data: str | None, models: list[str], out: str | None) -> dict:
    from ..spark import spark_session

    root = Path(cfg.paths.data_dir)
    world = world or str(root / "world")
    out_dir = Path(out or root / "report")
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict = {"world": world, "table": table, "models": model_metrics(models)}
    examples = pd.DataFrame()
    if table:
        result["dictionary"], per_query = evaluate_dictionary(spark_session(cfg), world, table)
        examples = per_query
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2, default=float))
    write_report(out_dir / "report.html", result, examples)
    _print(result)
    console.print(f"report: {out_dir / 'report.html'}")
    return result


def _print(result: dict) -> None:
    d = result.get("dictionary")
    if d:
        table = Table(title="rewrite dictionary vs ground truth")
        table.add_column("slice")
        for col in ("queries", "coverage", "recall@10_query", "recall@10_query+rewrite", "intent_preserving"):
            table.add_column(col, justify="right")
        for name, block in [("all", d["all"]), ("gap queries", d.get("gap_queries", {}))]:
            if block:
                table.add_row(name, *(f"{block[c]:.3f}" if isinstance(block[c], float) else str(block[c]) for c in ("queries", "coverage", "recall@10_query", "recall@10_query+rewrite", "intent_preserving")))
        console.print(table)
        console.print(f"relevance AUC (score vs intent-preserving): {d['relevance_auc']:.3f} over {d['pairs']} pairs")
    for name, metrics in result.get("models", {}).items():
        console.print(f"model {name}: {json.dumps(metrics, default=str)[:300]}")
