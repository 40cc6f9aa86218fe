"""Publish: gates on real Delta versions, blocking through the CLI, idempotency, rollback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qrw.cli import main
from qrw.errors import GateBlocked, QrwError
from qrw.serve import versions
from qrw.serve.export import export
from qrw.serve.lookup import lookup
from qrw.serve.publish import publish
from serve_tables import DICT_SCHEMA, entry, good_rows, write_version

CLI_SET = ["--set", "spark.shuffle_partitions=2"]


def _cli(*args):
    return CliRunner().invoke(main, [*args, *CLI_SET], catch_exceptions=False)


def test_publish_blocks_bad_version_and_keeps_serving_the_good_one(spark, scfg, table, tmp_path):
    # duplicate keys: blocked, and with nothing published yet the online side gets a clear error
    write_version(spark, table, good_rows() + [entry("item 1")])
    with pytest.raises(GateBlocked, match="duplicate query_norm") as exc:
        publish(scfg, table=table)
    assert "nothing is published yet" in str(exc.value)
    assert versions.published(spark, table) is None
    with pytest.raises(QrwError, match="run `qrw publish"):
        lookup(scfg, table=table, query="item 1")

    v1 = write_version(spark, table, good_rows())
    report = publish(scfg, table=table)
    assert report["decision"] == "published" and report["published_version"] == v1
    assert report["rows"] == 21 and report["privacy_filtered"] == 1
    assert all(g["ok"] for g in report["gates"].values())

    # idempotent: same version again records nothing
    again = _cli("publish", "--table", table)
    assert again.exit_code == 0 and "already published" in again.output
    assert len(versions.history(spark, table)) == 2

    # coverage collapse: every query lost its rewrites
    write_version(spark, table, [entry(r[0], [], users=r[-1]) for r in good_rows()])
    blocked = _cli("publish", "--table", table)
    assert blocked.exit_code != 0
    assert "coverage" in blocked.output and "BLOCK" in blocked.output
    assert f"version {v1} stays published" in blocked.output
    log = versions.history(spark, table)
    assert [p.decision for p in log] == ["blocked", "published", "blocked"]
    assert json.loads(log[-1].gates)["coverage"]["ok"] is False
    assert versions.published(spark, table).dictionary_version == v1

    # the online side still gets the published version
    assert lookup(scfg, table=table, query="item 3")["rewrites"][0]["rewrite"] == "item 3 shoes"
    out = tmp_path / "dict.jsonl"
    assert export(scfg, table=table, out=str(out))["dictionary_version"] == v1
    assert sum(1 for _ in out.open()) == 21


def test_churn_and_size_gates_compare_with_the_published_version(spark, scfg, table):
    write_version(spark, table, good_rows())
    publish(scfg, table=table)
    # top rewrite of 10 of the 16 remaining keys changes, and 5 of 21 publishable keys disappear
    write_version(spark, table, [r for r in good_rows(changed=range(10)) if r[0] not in {f"item {i}" for i in range(15, 20)}])
    with pytest.raises(GateBlocked) as exc:
        publish(scfg, table=table)
    assert "churn" in str(exc.value) and "size_drop" in str(exc.value) and "serve.max_churn=1" in str(exc.value)
    logged = json.loads(versions.history(spark, table)[-1].gates)
    assert logged["churn"]["metric"] == pytest.approx(10 / 16) and logged["churn"]["threshold"] == scfg.serve.max_churn
    assert logged["size_drop"]["metric"] == pytest.approx(5 / 21)
    assert logged["coverage"]["ok"] and logged["contract"]["ok"]


def test_rollback_walks_back_and_is_kept_in_history(spark, scfg, table):
    v1 = write_version(spark, table, good_rows())
    publish(scfg, table=table)
    v2 = write_version(spark, table, good_rows(changed=[0]))
    publish(scfg, table=table)
    assert lookup(scfg, table=table, query="item 0")["rewrites"][0]["rewrite"] == "item 0 sandals"

    result = _cli("rollback", "--table", table)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["published_version"] == v1
    assert versions.published(spark, table).dictionary_version == v1
    assert lookup(scfg, table=table, query="item 0")["rewrites"][0]["rewrite"] == "item 0 shoes"

    # the cron's next publish must not undo the operator's rollback
    with pytest.raises(QrwError, match="rolled back"):
        publish(scfg, table=table)
    # nothing older than v1 was published
    assert _cli("rollback", "--table", table).exit_code != 0
    # deliberate roll forward to a version that passed the gates
    versions.rollback(scfg, table, to_version=v2)
    assert versions.published(spark, table).dictionary_version == v2
    with pytest.raises(QrwError, match="never published"):
        versions.rollback(scfg, table, to_version=v2 + 5)
    log = versions.history(spark, table)
    assert [(p.action, p.dictionary_version) for p in log] == [("publish", v1), ("publish", v2), ("rollback", v1), ("rollback", v2)]


def test_clear_errors_for_missing_table_and_missing_user_counts(spark, scfg, table):
    with pytest.raises(QrwError, match="run `qrw rewrite"):
        publish(scfg, table=table)
    no_users = DICT_SCHEMA.replace(", distinct_users long", "")
    write_version(spark, table, [e[:-1] for e in good_rows()], schema=no_users)
    with pytest.raises(QrwError, match="distinct_users"):
        publish(scfg, table=table)
