"""The ``qrw`` console script: one click group, every command takes ``--conf`` and ``--set``.

Commands import their stage lazily, so ``qrw --help`` and ``qrw lookup`` stay fast.
Each command also runs under ``spark-submit jobs/<name>.py`` (same arguments).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable

import click

from .config import ConfigError, QrwConfig, load_config
from .errors import QrwError


def _config_options(fn: Callable) -> Callable:
    """Add --conf/--set to a command and hand it a validated QrwConfig as ``cfg``."""

    @click.option("--conf", "conf", default=None, help="YAML profile (default conf/local.yaml; 'cluster' for conf/cluster.yaml).")
    @click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a setting, e.g. --set engine.kind=hf (repeatable).")
    @functools.wraps(fn)
    def wrapper(conf: str | None, overrides: tuple[str, ...], **kwargs):
        try:
            cfg = load_config(conf, overrides)
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None
        try:
            return fn(cfg=cfg, **kwargs)
        except QrwError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(2)

    return wrapper


def _emit(obj) -> None:
    click.echo(json.dumps(obj, indent=2, default=str, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qrw")
def main() -> None:
    """qrw: LLM query rewriting for e-commerce search (Spark + vLLM + Delta)."""


@main.command()
@_config_options
@click.option("--out", default=None, help="Where to write everything (default paths.data_dir).")
@click.option("--stages", default=None, help="Comma-separated subset of stages to run (default: all).")
def demo(cfg: QrwConfig, out: str | None, stages: str | None) -> None:
    """The whole pipeline on the embedded sample world, on this machine."""
    from .demo import run_demo

    run_demo(cfg, out=out, stages=stages.split(",") if stages else None)


@main.command("generate-world")
@_config_options
@click.option("--out", required=True, help="Folder for search_log, catalog, relevance_labels and truth tables.")
@click.option("--format", "fmt", default="delta", type=click.Choice(["delta", "parquet", "csv", "jsonl"]))
def generate_world_cmd(cfg: QrwConfig, out: str, fmt: str) -> None:
    """Write the seeded sample world (sim.scale grows it to millions of events)."""
    from .sim import describe, generate_world, write_world
    from .spark import spark_session

    world = generate_world(cfg.sim)
    paths = write_world(spark_session(cfg), world, out, fmt=fmt)
    _emit({"world": describe(world), "tables": paths})


@main.command("build-training-data")
@_config_options
@click.option("--search-log", required=True)
@click.option("--catalog", required=True)
@click.option("--labels", default=None, help="Optional relevance_labels (ESCI or 0-3).")
@click.option("--out", required=True)
@click.option("--format", "fmt", default=None, help="Input format if the path does not tell (delta|parquet|csv|json).")
def build_training_data_cmd(cfg: QrwConfig, search_log: str, catalog: str, labels: str | None, out: str, fmt: str | None) -> None:
    """Mine SFT, GRPO and eval data from logs and catalog (Spark)."""
    from .data.job import build_training_data

    build_training_data(cfg, search_log=search_log, catalog=catalog, labels=labels, out=out, fmt=fmt)


@main.group()
def train() -> None:
    """bootstrap | sft | grpo | relevance | calibrate."""


@train.command("bootstrap")
@_config_options
@click.option("--search-log", required=True)
@click.option("--catalog", required=True)
@click.option("--out", required=True)
@click.option("--data", default=None, help="Output folder of build-training-data: only its train-split queries are used (without it: catalog only).")
@click.option("--format", "fmt", default=None)
def train_bootstrap(cfg: QrwConfig, search_log: str, catalog: str, out: str, data: str | None, fmt: str | None) -> None:
    """Tokenizer + small base model pretrained on catalog and train-split query text."""
    from .train.bootstrap import bootstrap

    bootstrap(cfg, search_log=search_log, catalog=catalog, out=out, data=data, fmt=fmt)


@train.command("sft")
@_config_options
@click.option("--data", required=True, help="Output folder of build-training-data.")
@click.option("--out", required=True)
@click.option("--base", default=None, help="Base model dir (default: the bootstrap model under paths.data_dir).")
def train_sft(cfg: QrwConfig, data: str, out: str, base: str | None) -> None:
    """Multi-task SFT (rewrite generation + relevance tagging)."""
    from .train.sft import train_sft as run

    run(cfg, data=data, out=out, base=base)


@train.command("grpo")
@_config_options
@click.option("--data", required=True)
@click.option("--model", required=True, help="The SFT model dir: the policy's start, and the frozen relevance judge unless train.grpo.relevance_scorer names a relevance model.")
@click.option("--out", required=True)
def train_grpo(cfg: QrwConfig, data: str, model: str, out: str) -> None:
    """GRPO with the fused relevance + conversion + rules reward."""
    from .train.grpo import train_grpo as run

    run(cfg, data=data, model=model, out=out)


@train.command("relevance")
@_config_options
@click.option("--data", required=True, help="Output folder of build-training-data (its relevance_train.jsonl; dev numbers from relevance_dev.jsonl).")
@click.option("--out", required=True)
def train_relevance(cfg: QrwConfig, data: str, out: str) -> None:
    """A lexical relevance model (gradient-boosted trees, seconds on a CPU) to score with: rewrite.scorer_model=OUT."""
    from .train.relevance import train_relevance as run

    _emit(run(cfg, data=data, out=out))


@train.command("lexicon")
@_config_options
@click.option("--data", required=True, help="Output folder of build-training-data (its grpo_train.jsonl and catalog.jsonl: train-split behaviour only).")
@click.option("--out", required=True)
def train_lexicon(cfg: QrwConfig, data: str, out: str) -> None:
    """Mine the term lexicon (shoppers' words -> catalog words, seconds on a CPU) for rewrite.lexicon=OUT."""
    from .train.lexicon import train_lexicon as run

    _emit(run(cfg, data=data, out=out))


@train.command("calibrate")
@_config_options
@click.option("--model", required=True, help="The model dir whose relevance task scores the nightly job (policy or rewrite.scorer_model).")
@click.option("--data", required=True, help="Output folder of build-training-data (its dev split's relevance_dev.jsonl).")
@click.option("--target-precision", type=click.FloatRange(0, 1, min_open=True), default=None, help="Precision the recorded threshold must reach on dev (default rewrite.target_precision, 0.9).")
@click.option("--method", type=click.Choice(["isotonic", "platt"]), default=None, help="Default rewrite.calibration_method (isotonic).")
def train_calibrate(cfg: QrwConfig, model: str, data: str, target_precision: float | None, method: str | None) -> None:
    """Fit the relevance calibration on dev; writes MODEL/calibration.json and records it in qrw_model.json."""
    from .train.calibrate import calibrate, describe

    cal = calibrate(cfg, model=model, data=data, target_precision=target_precision, method=method)
    click.echo(describe(cal, model), err=True)
    _emit(cal.to_dict())


@main.command()
@_config_options
@click.option("--search-log", required=True)
@click.option("--model", required=True)
@click.option("--table", required=True, help="Delta path of rewrite_dictionary.")
@click.option("--min-users", type=int, default=None, help="Distinct users a query needs (1 rewrites every query).")
@click.option("--catalog", default=None, help="Catalog whose nearest titles (rewrite.retrieval_candidates per query) join the model's candidates (rewrite.catalog).")
@click.option("--lexicon", default=None, help="A `qrw train lexicon` dir whose rewrite of each query joins the model's candidates (rewrite.lexicon).")
@click.option("--format", "fmt", default=None)
def rewrite(cfg: QrwConfig, search_log: str, model: str, table: str, min_users: int | None, catalog: str | None, lexicon: str | None, fmt: str | None) -> None:
    """The nightly batch job: queries -> engine -> rewrite_dictionary (Delta MERGE)."""
    from .rewrite.job import run_rewrite

    if min_users is not None:
        cfg.rewrite.min_users = min_users
    if catalog is not None:
        cfg.rewrite.catalog = catalog
    if lexicon is not None:
        cfg.rewrite.lexicon = lexicon
    run_rewrite(cfg, search_log=search_log, model=model, table=table, fmt=fmt)


@main.command()
@_config_options
@click.option("--table", required=True)
@click.option("--min-users", type=int, default=None, help="Distinct users a published query needs (>= 1).")
def publish(cfg: QrwConfig, table: str, min_users: int | None) -> None:
    """Gate the latest dictionary version and publish it (non-zero exit when blocked)."""
    from .serve.publish import publish as run

    if min_users is not None:
        cfg.serve.min_users = min_users
    run(cfg, table=table)


@main.command()
@_config_options
@click.option("--table", required=True)
@click.option("--out", default=None, help="File to write (JSON Lines, or Parquet with --format parquet) plus FILE.manifest.json.")
@click.option("--to", "to", default=None, metavar="redis://HOST:PORT[/DB]", help="Load into Redis behind an atomic switch instead of a file.")
@click.option("--format", "fmt", default="jsonl", type=click.Choice(["jsonl", "parquet"]), help="File format of a full export.")
@click.option("--since-version", type=click.IntRange(min=0), default=None, help="Only the keys whose published entry changed since published dictionary version N.")
@click.option("--force", is_flag=True, help="Reload Redis even when it already serves this version.")
def export(cfg: QrwConfig, table: str, out: str | None, to: str | None, fmt: str, since_version: int | None, force: bool) -> None:
    """Snapshot of the published version: a JSON Lines / Parquet file, Redis, or a change feed."""
    if (out is None) == (to is None):
        raise click.UsageError("give exactly one of --out FILE or --to redis://HOST:PORT[/DB]")
    if since_version is not None and fmt != "jsonl":
        raise click.UsageError("--since-version writes JSON Lines (one upsert or delete a line); drop --format")
    if to is not None and fmt != "jsonl":
        raise click.UsageError("--format applies to --out files only")
    if since_version is not None:
        from .serve.changes import export_changes

        _emit(export_changes(cfg, table=table, since_version=since_version, out=out, url=to))
    elif to is not None:
        from .serve.export import export_redis

        _emit(export_redis(cfg, table=table, url=to, force=force))
    else:
        from .serve.export import export as run

        run(cfg, table=table, out=out, fmt=fmt)


@main.command()
@_config_options
@click.option("--table", default=None, help="Delta path of rewrite_dictionary (its published version).")
@click.option("--from", "source", default=None, metavar="redis://HOST:PORT[/DB]", help="Read from Redis through the reference reader instead.")
@click.argument("query")
def lookup(cfg: QrwConfig, table: str | None, source: str | None, query: str) -> None:
    """What the online side would get for QUERY: one export-format JSON line, or null."""
    if (table is None) == (source is None):
        raise click.UsageError("give exactly one of --table DELTA_PATH or --from redis://HOST:PORT[/DB]")
    if source is not None:
        from .serve.redis_store import RedisReader

        record = RedisReader(source, cfg.serve.redis_namespace, cfg.serve.redis_timeout_s).lookup(query)
    else:
        from .serve.lookup import lookup as run

        record = run(cfg, table=table, query=query)
    click.echo(json.dumps(record, ensure_ascii=False))


@main.command()
@_config_options
@click.option("--table", required=True)
@click.option("--to-version", type=int, default=None, help="A previously published dictionary version (default: the one before the live one).")
def rollback(cfg: QrwConfig, table: str, to_version: int | None) -> None:
    """Re-point publication to an earlier published version (a new log row; history is kept)."""
    from .serve.versions import rollback as run

    _emit(run(cfg, table, to_version=to_version))


@main.command()
@_config_options
@click.option("--table", required=True)
@click.option("--json", "as_json", is_flag=True, help="JSON rows instead of a table.")
def history(cfg: QrwConfig, table: str, as_json: bool) -> None:
    """The publication log: version, decision, failed gates, min_users, when, by which run."""
    from .serve.history import history_rows, print_history

    rows = history_rows(cfg, table)
    if as_json:
        _emit(rows)
    else:
        print_history(table, rows)


@main.command()
@_config_options
@click.option("--search-log", required=True)
@click.option("--model", required=True)
@click.option("--table", required=True, help="Delta path of rewrite_dictionary.")
@click.option("--date", default=None, help="Window end day YYYY-MM-DD (default: the log's last day).")
@click.option("--export", "export_file", default=None, help="Also write the JSON Lines snapshot here.")
@click.option("--redis", "redis_url", default=None, metavar="redis://HOST:PORT[/DB]", help="Also load Redis (a delta when it serves an earlier publication).")
@click.option("--format", "fmt", default=None, help="Search-log format if the path does not tell.")
def nightly(cfg: QrwConfig, search_log: str, model: str, table: str, date: str | None, export_file: str | None, redis_url: str | None, fmt: str | None) -> None:
    """rewrite -> gates -> publish -> export under one lock per table (exit codes: 0 ok, 1 failure, 3 gate blocked, 4 input missing, 5 locked)."""
    from .serve.nightly import run_nightly

    code, summary = run_nightly(cfg, search_log=search_log, model=model, table=table, date=date, export_file=export_file, redis_url=redis_url, fmt=fmt)
    if code == 5:
        click.secho(f"error: {summary['error']}", fg="red", err=True)
    click.echo(json.dumps({k: summary.get(k) for k in ("status", "exit_code", "log", "lock", "publish", "export", "redis", "error")}, default=str))
    sys.exit(code)


@main.command()
@_config_options
@click.option("--world", default=None, help="Sample-world folder with truth tables (default under paths.data_dir).")
@click.option("--table", default=None, help="rewrite_dictionary to evaluate.")
@click.option("--data", default=None, help="Training-data folder: query splits, bought products, held-out labels (default under paths.data_dir).")
@click.option("--model", "models", multiple=True, help="Model dirs: tagging accuracy and macro-F1 on the split (repeatable).")
@click.option("--split", default="test", type=click.Choice(["test", "dev"]), help="test (reported numbers) or dev (tuning).")
@click.option("--out", default=None, help="Folder for metrics.json and report.html.")
def evaluate(cfg: QrwConfig, world: str | None, table: str | None, data: str | None, models: tuple[str, ...], split: str, out: str | None) -> None:
    """Offline metrics on the test split (train slice in-sample, separately) and an HTML report."""
    from .eval.run import evaluate as run

    run(cfg, world=world, table=table, data=data, models=list(models), out=out, split=split)


if __name__ == "__main__":
    main()
