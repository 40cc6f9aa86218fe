"""``export --since-version``: exactly the changed published keys, checked against an independent diff."""

from __future__ import annotations

import json

from click.testing import CliRunner

from qrw.cli import main
from qrw.serve.changes import export_changes
from qrw.serve.export import export_redis
from qrw.serve.publish import publish
from qrw.serve.redis_store import RedisReader
from serve_tables import DICT_SCHEMA, entry, good_rows, write_version

CLI_SET = ["--set", "spark.shuffle_partitions=2"]


def merge_version(spark, table, rows) -> int:
    """The batch job's way of writing: one MERGE (upserts + deletes), so the Change Data Feed holds only touched keys."""
    from delta.tables import DeltaTable

    target = DeltaTable.forPath(spark, table)
    source = spark.createDataFrame(rows, DICT_SCHEMA)
    (
        target.alias("t")
        .merge(source.alias("s"), "t.query_norm = s.query_norm")
        .whenMatchedUpdateAll(condition="NOT (t.rewrites <=> s.rewrites AND t.distinct_users <=> s.distinct_users AND t.model_version <=> s.model_version)")
        .whenNotMatchedInsertAll()
        .whenNotMatchedBySourceDelete()
        .execute()
    )
    return int(target.history(1).first()["version"])


def served(rows, min_users=2):
    """Independent oracle: key -> export record of the servable rows (no PII in these keys)."""
    return {
        r[0]: {"query": r[0], "rewrites": [{"rewrite": a, "relevance": b, "score": c} for a, b, c in r[2]], "model_version": r[4]}
        for r in rows
        if r[7] is not None and r[7] >= min_users
    }


def test_since_version_holds_exactly_the_changed_keys(spark, scfg, table, tmp_path, redis_url, redis_client):
    v1_rows = good_rows()
    v1 = write_version(spark, table, v1_rows)
    publish(scfg, table=table)
    export_redis(scfg, table=table, url=redis_url)

    v2_rows = [r for r in good_rows(changed=[0, 1]) if r[0] not in ("item 18", "item 19")]  # 2 changed, 2 gone
    v2_rows = [entry("item 5", users=1) if r[0] == "item 5" else r for r in v2_rows]  # now private -> delete
    v2_rows = [entry("rare secret query", [("rare secret thing", 0.9, 1.0)], users=3) if r[0] == "rare secret query" else r for r in v2_rows]  # now servable -> upsert
    v2_rows += [entry("new key 1"), entry("new key 2", users=1)]  # one servable insert, one private one
    v2 = merge_version(spark, table, v2_rows)
    assert v2 > v1
    publish(scfg, table=table)

    old, new = served(v1_rows), served(v2_rows)
    expected = {k: {"op": "upsert", **new[k]} for k in new if old.get(k) != new[k]}
    expected |= {k: {"op": "delete", "query": k} for k in old if k not in new}
    assert set(expected) == {"item 0", "item 1", "item 18", "item 19", "item 5", "rare secret query", "new key 1"}

    out = tmp_path / "changes.jsonl"
    result = CliRunner().invoke(main, ["export", "--table", table, "--out", str(out), "--since-version", str(v1), *CLI_SET])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["query"]: r for r in lines} == expected and len(lines) == len(expected)
    assert [r["query"] for r in lines] == sorted(expected)
    manifest = json.loads((tmp_path / "changes.jsonl.manifest.json").read_text())
    assert (manifest["from_version"], manifest["to_version"], manifest["upserts"], manifest["deletes"]) == (v1, v2, 4, 3)
    assert manifest["method"] == "change-data-feed"

    # a stricter min_users since then: every key compared, and the newly private ones deleted
    scfg.serve.min_users = 6
    strict = export_changes(scfg, table=table, since_version=v1, out=str(tmp_path / "strict.jsonl"))
    assert strict["method"] == "full-diff" and strict["upserts"] == 0 and strict["deletes"] == len(old)
    scfg.serve.min_users = 2

    # Redis applies the delta to a copy of the live space and ends up equal to a full load of v2
    applied = export_changes(scfg, table=table, since_version=v1, url=redis_url)
    assert (applied["upserts"], applied["deletes"], applied["rows"]) == (4, 3, len(new))
    reader = RedisReader(redis_url)
    _gen, records = reader.lookup_many(sorted(set(old) | set(new)))
    assert dict(zip(sorted(set(old) | set(new)), records)) == {k: new.get(k) for k in sorted(set(old) | set(new))}
    assert export_redis(scfg, table=table, url=redis_url)["decision"] == "unchanged"  # the delta made it current

    same = export_changes(scfg, table=table, since_version=v2, out=str(tmp_path / "none.jsonl"))
    assert same["rows"] == 0
    bad = CliRunner().invoke(main, ["export", "--table", table, "--out", str(tmp_path / "x.jsonl"), "--since-version", "99", *CLI_SET])
    assert bad.exit_code == 2 and "was never published" in bad.output
