"""The batch job's defects found by probing it as a new user and an adversary would (issue 14).

Each test failed on the code before the fix: clear errors before Spark for bad inputs,
an engine failure never overwriting a good entry, killed and concurrent runs.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import timedelta

import pytest

from qrw.errors import QrwError
from qrw.rewrite.job import run_rewrite
from qrw.rewrite.runs import record_run, utc_now

from .conftest import delta_version, make_cfg, read_dictionary, read_runs, run_cli, search, small_log, write_log


def _model_dir(tmp_path, manifest: str | None, weights: bool = False):
    d = tmp_path / "model"
    d.mkdir()
    (d / "config.json").write_text("{}")
    if manifest is not None:
        (d / "qrw_model.json").write_text(manifest)
    if weights:
        (d / "model.safetensors").write_bytes(b"\0" * 8)
    return str(d)


def test_a_missing_search_log_is_a_clear_error(tmp_path):
    with pytest.raises(QrwError, match="--search-log .*nope does not exist"):
        run_rewrite(make_cfg(), search_log=str(tmp_path / "nope"), model="fake", table=str(tmp_path / "dict"))


def test_a_model_dir_without_weights_is_a_clear_error(tmp_path):
    model = _model_dir(tmp_path, json.dumps({"model_version": "v1"}))
    log = tmp_path / "log.jsonl"
    log.write_text("{}\n")
    with pytest.raises(QrwError, match="has no model weights"):
        run_rewrite(make_cfg("engine.kind=vllm"), search_log=str(log), model=model, table=str(tmp_path / "dict"))


@pytest.mark.parametrize(("manifest", "why"), [("", "is empty"), ('{"model_version": "v1", "metr', "not valid JSON"), ("[1, 2]", "JSON list, not an object")])
def test_a_broken_manifest_is_named_in_the_error(tmp_path, manifest, why):
    model = _model_dir(tmp_path, manifest, weights=True)
    log = tmp_path / "log.jsonl"
    log.write_text("{}\n")
    for kind in ("vllm", "fake"):
        with pytest.raises(QrwError, match=f"qrw_model.json.*{why}|qrw_model.json holds a {why}"):
            run_rewrite(make_cfg(f"engine.kind={kind}"), search_log=str(log), model=model, table=str(tmp_path / "dict"))


def test_the_cli_says_what_is_wrong_without_a_stack_trace(tmp_path):
    model = _model_dir(tmp_path, '{"model_version": "v1", "metr', weights=True)
    log = tmp_path / "log.jsonl"
    log.write_text("{}\n")
    bad_log = run_cli("--search-log", str(tmp_path / "missing"), "--model", model, "--table", str(tmp_path / "t"), timeout=120)
    bad_model = run_cli("--search-log", str(log), "--model", model, "--table", str(tmp_path / "t"), timeout=120)
    for proc in (bad_log, bad_model):
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "does not exist" in bad_log.stderr and "qrw_model.json is not valid JSON" in bad_model.stderr


def test_only_rejected_rows_say_why_and_never_point_at_an_unwritten_rejects_table(spark, tmp_path):
    rows = [("2026-11-02T10:00:00Z", None, None, "shoes", "search", None, None), ("2026-11-02T10:00:00Z", "u1", None, "", "search", None, None)]
    log = write_log(spark, tmp_path / "log", rows)
    table = tmp_path / "dict"
    with pytest.raises(QrwError) as err:
        run_rewrite(make_cfg(), search_log=log, model="fake", table=str(table))
    assert "1 missing user_id" in str(err.value) and "1 search without query" in str(err.value)
    assert "rejects table" not in str(err.value) and not (tmp_path / "dict_rejects").exists()


def test_an_engine_failure_keeps_the_previous_entry_and_the_query_is_retried_next_run(spark, tmp_path, fake_model_dir):
    log = write_log(spark, tmp_path / "log", small_log())
    table = str(tmp_path / "dict")
    run_rewrite(make_cfg(), search_log=log, model="fake", table=table)
    good = read_dictionary(spark, table)["running shoes"]
    assert good["rewrites"]

    model = fake_model_dir("v2")
    failing = run_rewrite(make_cfg("engine.fake_fail_on=[running]"), search_log=log, model=model, table=table)
    assert failing["status"] == "succeeded" and failing["counts"]["engine_errors"] == 1
    after = read_dictionary(spark, table)
    assert after["running shoes"] == good  # not overwritten by an empty entry
    assert after["usb c cable 2m"]["model_version"] == "fake:v2"

    retry = run_rewrite(make_cfg(), search_log=log, model=model, table=table)
    assert retry["counts"]["selected"] == 1 and retry["counts"]["updated"] == 1  # only the failed query
    fixed = read_dictionary(spark, table)["running shoes"]
    assert fixed["model_version"] == "fake:v2" and fixed["rewrites"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_killed_runs_running_row_is_marked_abandoned_and_a_live_one_blocks(spark, tmp_path):
    log = write_log(spark, tmp_path / "log", [search("garden hose", u) for u in ("u1", "u2")])
    table = str(tmp_path / "dict")
    host = socket.gethostname()
    started = utc_now() - timedelta(minutes=5)
    record_run(spark, table, {"run_id": "run-killed", "status": "running", "started_at": started, "driver": f"{host}:{_dead_pid()}"})

    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        record_run(spark, table, {"run_id": "run-live", "status": "running", "started_at": started, "driver": f"{host}:{live.pid}"})
        with pytest.raises(QrwError, match="another qrw rewrite run \\(run-live.*retry"):
            run_rewrite(make_cfg(), search_log=log, model="fake", table=table)
        assert "garden hose" not in (read_dictionary(spark, table) if os.path.exists(os.path.join(table, "_delta_log")) else {})
    finally:
        live.kill()
        live.wait()

    summary = run_rewrite(make_cfg(), search_log=log, model="fake", table=table)
    assert summary["status"] == "succeeded" and "garden hose" in read_dictionary(spark, table)
    runs = read_runs(spark, table)
    assert runs["run-killed"]["status"] == "abandoned" and runs["run-live"]["status"] == "abandoned"
    assert "killed" in runs["run-killed"]["reason"]
    assert runs[summary["run_id"]]["driver"] == f"{host}:{os.getpid()}"
    assert json.loads(runs[summary["run_id"]]["shard_balance"])["per_slot"]  # printed and stored


def test_the_run_summary_is_exactly_the_runs_table_row():
    """Nothing printed is dropped from {table}_runs: the summary's fields are RUNS_SCHEMA's columns."""
    import dataclasses

    from qrw.rewrite.job import PRINTED
    from qrw.rewrite.runs import RUNS_SCHEMA, RunSummary

    assert [f.name for f in dataclasses.fields(RunSummary)] == RUNS_SCHEMA.fieldNames()
    assert set(PRINTED) <= set(RUNS_SCHEMA.fieldNames())


def test_a_concurrent_commit_during_the_merge_is_a_clear_error_and_merges_nothing(spark, tmp_path, monkeypatch):
    """Two runs racing for one table: the loser says another run committed and to retry; its run is failed.

    A named fake at one boundary: the MERGE raises Delta's own ``ConcurrentAppendException`` (a real
    conflict needs another commit inside the MERGE's window, which no test can time). Everything
    before it (selection, engine, staging) runs for real, and the table keeps its last version.
    """
    from delta.exceptions import ConcurrentAppendException

    from qrw.rewrite import job

    log = write_log(spark, tmp_path / "log", [search(q, u) for q in ("garden hose", "rain boots") for u in ("u1", "u2")])
    table = str(tmp_path / "dict")
    first = run_rewrite(make_cfg(), search_log=log, model="fake", table=table)
    version, before = delta_version(spark, table), read_dictionary(spark, table)

    def conflicting_merge(*args, **kwargs):
        raise ConcurrentAppendException(message="[DELTA_CONCURRENT_APPEND] Files were added to the root of the table by a concurrent update.")

    monkeypatch.setattr(job, "merge_into_dictionary", conflicting_merge)
    new_day = write_log(spark, tmp_path / "log2", [search("snow shovel", u) for u in ("u1", "u2")])  # work to merge
    with pytest.raises(QrwError, match="another run committed to .* retry when the other run has finished") as err:
        run_rewrite(make_cfg(), search_log=new_day, model="fake", table=table)
    assert err.value.__cause__ is None  # `from None`: the CLI prints one line, not the Java trace
    assert delta_version(spark, table) == version and read_dictionary(spark, table) == before
    failed = [r for r in read_runs(spark, table).values() if r["run_id"] != first["run_id"]]
    assert [r["status"] for r in failed] == ["failed"] and "ConcurrentAppendException" in failed[0]["error"]
