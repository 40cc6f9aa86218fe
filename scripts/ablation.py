"""The paper's ablation, from scratch on this machine, on test-split queries, for one or more world seeds.

Arms (each trained from the same bootstrap base of its world):

* ``no_rewrite``: the query alone (the evaluation's no-rewrite system);
* ``sft_generation_only``: SFT on the rewrite task only (``train.sft.generation_only``);
* ``sft_multi_task``: SFT on rewrite generation + relevance tagging (the default);
* ``grpo_relevance`` / ``grpo_conversion`` / ``grpo_fused``: GRPO from the multi-task SFT
  model with the relevance reward only, the conversion reward only, or both (the rules
  reward, the format guard, stays on in all three).

Every model arm runs the nightly job (``qrw rewrite``, every query, no tagging gate:
``rewrite.min_tagging_margin=null``, so a generation-only model is measured too) and
``qrw evaluate`` on the test split. The table has each metric's mean and half-range
over the seeds. Usage (what docs/results.md ran):

    .venv/bin/python scripts/ablation.py --out /tmp/ablation --seeds 7,8 \\
        --set train.bootstrap.max_steps=200 --set train.sft.epochs=1 --set train.grpo.max_steps=60

Prints a markdown table and writes ``ablation.json`` and ``ablation.md`` under ``--out``.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import click

ARMS = ("no_rewrite", "sft_generation_only", "sft_multi_task", "grpo_relevance", "grpo_conversion", "grpo_fused")
GRPO_WEIGHTS = {
    "grpo_relevance": ["train.grpo.weights.conversion=0"],
    "grpo_conversion": ["train.grpo.weights.relevance=0"],
    "grpo_fused": [],
}
METRICS = ("coverage", "intent_kept_all", "intent_kept_covered", "recall@10_query", "recall@10_merged", "recall@10_gain", "harm_rate")


def arm_row(result: dict, system: str = "qrw") -> dict:
    """The metrics of one arm from an evaluate result (test split)."""
    split = result["split"]
    row = {k: result[split][system]["all"].get(k) for k in METRICS}
    if system == "qrw":
        row["relevance_auc"] = result[split]["relevance"].get("auc")
    return row


def aggregate(per_seed: dict[str, dict[str, dict]]) -> dict[str, dict[str, dict]]:
    """arm -> metric -> {mean, spread (half the range), n} over seeds (None values left out)."""
    out: dict[str, dict[str, dict]] = {}
    arms = sorted({a for rows in per_seed.values() for a in rows}, key=lambda a: ARMS.index(a) if a in ARMS else len(ARMS))
    for arm in arms:
        out[arm] = {}
        keys = sorted({k for rows in per_seed.values() for k in rows.get(arm, {})})
        for key in keys:
            vals = [rows[arm][key] for rows in per_seed.values() if arm in rows and isinstance(rows[arm].get(key), (int, float))]
            if vals:
                out[arm][key] = {"mean": statistics.fmean(vals), "spread": (max(vals) - min(vals)) / 2, "n": len(vals)}
    return out


def markdown(agg: dict[str, dict[str, dict]], columns: tuple[str, ...]) -> str:
    lines = ["| arm | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for arm, metrics in agg.items():
        cells = []
        for c in columns:
            m = metrics.get(c)
            cells.append("-" if m is None else f"{m['mean']:.3f} ± {m['spread']:.3f}" if m["n"] > 1 else f"{m['mean']:.3f}")
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_seed(seed: int, root: Path, overrides: list[str], arms: tuple[str, ...]) -> tuple[dict, dict]:
    """One world: data, bootstrap, the arms' models, their dictionaries and test-split evaluations."""
    from qrw.config import load_config
    from qrw.data.job import build_training_data
    from qrw.eval.run import evaluate
    from qrw.sim import generate_world, write_world
    from qrw.spark import spark_session
    from qrw.train.bootstrap import bootstrap
    from qrw.train.grpo import train_grpo
    from qrw.train.sft import train_sft

    base_sets = [*overrides, f"sim.seed={seed}", "rewrite.min_tagging_margin=null", "rewrite.min_users=1"]

    def cfg_for(*extra: str):
        return load_config(None, [*base_sets, *extra])

    cfg = cfg_for()
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    world = root / "world"
    if root.exists():
        shutil.rmtree(root)
    write_world(spark_session(cfg), generate_world(cfg.sim), str(world), fmt="delta")
    data = root / "training"
    build_training_data(cfg, search_log=str(world / "search_log"), catalog=str(world / "catalog"), labels=str(world / "relevance_labels"), out=str(data), fmt=None)
    seconds["world+data"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    base = bootstrap(cfg, search_log=str(world / "search_log"), catalog=str(world / "catalog"), out=str(root / "models" / "base"), data=str(data))
    seconds["bootstrap"] = round(time.perf_counter() - t, 1)

    models: dict[str, Path] = {}
    for arm in arms:
        t = time.perf_counter()
        if arm == "sft_generation_only":
            models[arm] = train_sft(cfg_for("train.sft.generation_only=true"), data=str(data), out=str(root / "models" / arm), base=str(base))
        elif arm == "sft_multi_task" or (arm in GRPO_WEIGHTS and "sft_multi_task" not in models):
            models["sft_multi_task"] = train_sft(cfg, data=str(data), out=str(root / "models" / "sft_multi_task"), base=str(base))
        if arm in GRPO_WEIGHTS:
            models[arm] = train_grpo(cfg_for(*GRPO_WEIGHTS[arm]), data=str(data), model=str(models["sft_multi_task"]), out=str(root / "models" / arm))
        if arm != "no_rewrite":
            seconds[f"train {arm}"] = round(time.perf_counter() - t, 1)

    rows: dict[str, dict] = {}
    for arm in arms:
        if arm == "no_rewrite":
            continue
        t = time.perf_counter()
        table = root / "tables" / arm
        # Own process per nightly run, as cron would start it: one engine (and its KV cache) at a time.
        cmd = [sys.executable, "-m", "qrw.cli", "rewrite", "--search-log", str(world / "search_log"), "--model", str(models[arm]),
               "--table", str(table), *[x for o in base_sets for x in ("--set", o)]]
        subprocess.run(cmd, check=True)
        result = evaluate(cfg, world=str(world), table=str(table), data=str(data), models=[str(models[arm])], out=str(root / "report" / arm))
        rows[arm] = arm_row(result)
        tag = result["tagging"].get(models[arm].name, {})
        rows[arm]["tagging_accuracy"] = tag.get("accuracy")
        rows[arm]["tagging_macro_f1"] = tag.get("macro_f1")
        gm = json.loads((models[arm] / "qrw_model.json").read_text()).get("metrics", {})
        if "fused_gain" in gm:
            rows[arm]["grpo_dev_fused_gain"] = gm["fused_gain"]
        if "no_rewrite" in arms and "no_rewrite" not in rows:
            rows["no_rewrite"] = arm_row(result, "no_rewrite")
        seconds[f"rewrite+evaluate {arm}"] = round(time.perf_counter() - t, 1)
    return rows, seconds


@click.command()
@click.option("--out", required=True, help="Work folder (one subfolder per seed) and ablation.json / ablation.md.")
@click.option("--seeds", default="7,8", help="World seeds (sim.seed), comma-separated.")
@click.option("--arms", default=",".join(ARMS), help="Subset of the arms, comma-separated.")
@click.option("--set", "overrides", multiple=True, help="Config overrides for every arm, e.g. train.sft.epochs=1.")
def main(out: str, seeds: str, arms: str, overrides: tuple[str, ...]) -> None:
    chosen = tuple(a for a in ARMS if a in arms.split(","))
    unknown = set(arms.split(",")) - set(ARMS)
    if unknown:
        raise click.UsageError(f"unknown arm(s) {sorted(unknown)}; choose from {', '.join(ARMS)}")
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    per_seed, seconds = {}, {}
    for seed in (int(s) for s in seeds.split(",")):
        per_seed[str(seed)], seconds[str(seed)] = run_seed(seed, root / f"seed{seed}", list(overrides), chosen)
    agg = aggregate(per_seed)
    wall = round(time.perf_counter() - started, 1)
    columns = ("coverage", "intent_kept_all", "intent_kept_covered", "recall@10_query", "recall@10_merged", "harm_rate", "relevance_auc", "tagging_accuracy", "tagging_macro_f1")
    table = markdown(agg, columns)
    report = {"seeds": seeds, "arms": chosen, "overrides": list(overrides), "wall_seconds": wall, "per_seed": per_seed, "aggregate": agg, "seconds": seconds}
    (root / "ablation.json").write_text(json.dumps(report, indent=2, default=str))
    (root / "ablation.md").write_text(f"{table}\n\nseeds {seeds}; overrides {' '.join(overrides) or '(none)'}; wall {wall} s\n")
    print(table)
    print(f"wall {wall} s; {root / 'ablation.json'}")


if __name__ == "__main__":
    main()
