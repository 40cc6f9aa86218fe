"""``qrw nightly`` end to end on a small log (FakeEngine): twice, incremental, both publish; the lock; history."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qrw.cli import main
from qrw.normalize import normalize
from qrw.serve import versions
from qrw.serve.nightly import lock_path

LOG_DDL = "event_time string, user_id string, session_id string, query string, event_type string, product_id string, position int"
DAY1 = ["Red Running Shoes", "kids rain boots", "wool winter hat", "usb c charger", "leather wallet men", "yoga mat thick", "garden hose 50ft", "coffee grinder burr"]
DAY2_NEW = ["Trail Running Shoes", "waterproof hiking socks", "desk lamp led"]
ROOT = Path(__file__).resolve().parents[2]
SETS = [
    "--set", "spark.shuffle_partitions=2", "--set", "engine.kind=fake", "--set", "rewrite.min_relevance=0", "--set", "rewrite.progress=false",
    "--set", "serve.min_coverage=0", "--set", "serve.min_mean_top_relevance=0",
]


def _searches(queries, day):
    return [(f"{day}T{10 + i % 8:02d}:00:00Z", f"u{u}", None, q, "search", None, None) for i, q in enumerate(queries) for u in range(3)]


def _nightly(*args):
    return CliRunner().invoke(main, ["nightly", *args, *SETS])


def _summary(result):
    """The one-line JSON summary nightly prints on stdout (stderr lines may come before or after it)."""
    return json.loads([line for line in result.output.splitlines() if line.startswith('{"status"')][-1])


def test_nightly_twice_incremental_then_locked(spark, tmp_path, redis_url, redis_client):
    log, table, out = str(tmp_path / "search_log"), str(tmp_path / "rewrite_dictionary"), str(tmp_path / "serve" / "rewrites.jsonl")
    spark.createDataFrame(_searches(DAY1, "2026-11-24"), LOG_DDL).write.format("delta").save(log)
    common = ["--search-log", log, "--model", "fake", "--table", table, "--export", out, "--redis", redis_url]

    first = _nightly(*common, "--date", "2026-11-24")
    assert first.exit_code == 0, first.output
    s1 = _summary(first)
    assert s1["status"] == "ok" and s1["publish"]["decision"] == "published" and s1["redis"]["mode"] == "full"
    v1 = s1["publish"]["published_version"]
    assert {json.loads(line)["query"] for line in open(out)} == {normalize(q) for q in DAY1}
    assert os.path.exists(s1["log"]) and '"status": "ok"' in Path(s1["log"]).read_text()

    spark.createDataFrame(_searches(DAY1 + DAY2_NEW, "2026-11-25"), LOG_DDL).write.format("delta").mode("append").save(log)
    second = _nightly(*common, "--date", "2026-11-25")
    assert second.exit_code == 0, second.output
    s2 = _summary(second)
    assert s2["publish"]["decision"] == "published" and s2["publish"]["published_version"] > v1
    assert s2["log"] != s1["log"] and os.path.exists(s2["log"])
    run2 = json.loads(Path(s2["log"]).read_text().split("summary ", 1)[1].splitlines()[0])["rewrite"]
    assert run2["counts"]["selected"] == len(DAY2_NEW)  # engine work only for the new queries
    assert s2["redis"]["mode"] == "delta" and s2["redis"]["upserts"] == len(DAY2_NEW) and s2["redis"]["deletes"] == 0
    changes = tmp_path / "changes.jsonl"
    exported = CliRunner().invoke(main, ["export", "--table", table, "--out", str(changes), "--since-version", str(v1), *SETS])
    assert exported.exit_code == 0, exported.output
    assert {json.loads(line)["query"] for line in changes.open()} == {normalize(q) for q in DAY2_NEW}
    assert len({json.loads(line)["query"] for line in open(out)}) == len(DAY1) + len(DAY2_NEW)

    hist = CliRunner().invoke(main, ["history", "--table", table, "--json", *SETS])
    assert hist.exit_code == 0, hist.output
    rows = json.loads(hist.output)
    assert [(r["version"], r["decision"], r["failed_gates"]) for r in rows] == [(v1, "published", []), (s2["publish"]["published_version"], "published", [])]
    assert rows[-1]["live"] and run2["run_id"] in rows[-1]["run_ids"]  # the runs whose rows the version holds
    assert "publication log of" in CliRunner().invoke(main, ["history", "--table", table, *SETS]).output

    # a second run while one holds the lock: exits at once, non-zero, names the lock, touches nothing
    lock = lock_path(__import__("qrw.config", fromlist=["load_config"]).load_config(None, []), table)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from qrw.serve.nightly import table_lock\n"
         "with table_lock(sys.argv[1], sys.argv[2]):\n    print('locked', flush=True); time.sleep(120)", lock, table],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        logs_before = sorted(os.listdir(Path(s1["log"]).parent))
        history_before = len(versions.history(spark, table))
        blocked = _nightly(*common, "--date", "2026-11-25", "--set", "rewrite.force=true")
        assert blocked.exit_code == 5, blocked.output
        assert f"another qrw nightly run holds the lock {lock}" in blocked.output and f"pid {holder.pid}" in blocked.output
        assert sorted(os.listdir(Path(s1["log"]).parent)) == logs_before
        assert len(versions.history(spark, table)) == history_before
    finally:
        holder.kill()
        holder.wait()


def test_nightly_missing_input_exit_code(tmp_path):
    result = _nightly("--search-log", str(tmp_path / "nope"), "--model", "fake", "--table", str(tmp_path / "t"))
    assert result.exit_code == 4, result.output
    assert "does not exist" in result.output and _summary(result)["status"] == "input missing"
