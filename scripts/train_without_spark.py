"""The demo's whole training (bootstrap -> SFT -> GRPO) on a machine without Spark, e.g. a lent GPU.

``qrw train bootstrap`` reads the raw logs with Spark; a GPU box often has torch but no
Spark or Java. So the texts the bootstrap needs are gathered here first (Spark), and the
training runs there from them and a ``build-training-data`` export:

    # here (Spark): the bootstrap's texts
    .venv/bin/python scripts/train_without_spark.py dump-texts \\
        --search-log qrw-data/world/search_log --catalog qrw-data/world/catalog --data qrw-data/training --out texts.json
    # there (torch + transformers + TRL): prints one JSON line with seconds and quality
    python3 scripts/train_without_spark.py train --texts texts.json --data qrw-data/training \\
        --out /tmp/models --set train.device=cuda --set train.budget_clock=wall

docs/benchmarks.md ("On a GPU") and docs/results.md hold what it gave on an H100.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click


@click.group()
def main() -> None:
    pass


@main.command("dump-texts")
@click.option("--search-log", required=True)
@click.option("--catalog", required=True)
@click.option("--data", required=True, help="Output folder of build-training-data: only train-split queries are dumped.")
@click.option("--out", required=True, help="JSON file for the texts.")
@click.option("--set", "overrides", multiple=True)
def dump_texts(search_log: str, catalog: str, data: str, out: str, overrides: tuple[str, ...]) -> None:
    from qrw.config import load_config
    from qrw.spark import spark_session
    from qrw.train.bootstrap import allowed_queries, collect_texts

    cfg = load_config(None, list(overrides))
    texts = collect_texts(spark_session(cfg), search_log, catalog, None, cfg, allowed_queries(data))
    Path(out).write_text(json.dumps(texts))
    print(json.dumps({k: len(v) for k, v in texts.items()}))


@main.command()
@click.option("--texts", required=True, help="JSON from dump-texts.")
@click.option("--data", required=True, help="Output folder of build-training-data.")
@click.option("--out", required=True, help="Folder for base/, sft/ and grpo/.")
@click.option("--set", "overrides", multiple=True, help="Config overrides, e.g. train.device=cuda.")
def train(texts: str, data: str, out: str, overrides: tuple[str, ...]) -> None:
    from qrw.config import load_config
    from qrw.train.bootstrap import allowed_queries, bootstrap_from_texts
    from qrw.train.grpo import train_grpo
    from qrw.train.sft import train_sft

    cfg = load_config(None, list(overrides))
    seconds = {}
    started = time.monotonic()
    base = bootstrap_from_texts(cfg, json.loads(Path(texts).read_text()), f"{out}/base", allowed=allowed_queries(data))
    seconds["bootstrap_s"], started = round(time.monotonic() - started, 1), time.monotonic()
    sft = train_sft(cfg, data=data, out=f"{out}/sft", base=str(base))
    seconds["sft_s"], started = round(time.monotonic() - started, 1), time.monotonic()
    grpo = train_grpo(cfg, data=data, model=str(sft), out=f"{out}/grpo")
    seconds["grpo_s"] = round(time.monotonic() - started, 1)
    sm = json.loads((sft / "qrw_model.json").read_text())["metrics"]
    gm = json.loads((grpo / "qrw_model.json").read_text())["metrics"]
    print(json.dumps({
        "overrides": list(overrides), **seconds,
        "sft_steps": sm["global_step"], "sft_relevance_accuracy": sm.get("relevance_accuracy"), "majority_rate": sm.get("majority_rate"),
        "grpo_steps": gm["global_step"], "fused_before": gm.get("before", {}).get("fused_mean"), "fused_after": gm.get("after", {}).get("fused_mean"),
        "fused_gain": gm.get("fused_gain"), "fused_gain_se": gm.get("fused_gain_se"), "grpo_relevance_accuracy": gm.get("relevance_accuracy"),
    }))


if __name__ == "__main__":
    main()
