"""Export format and manifest, the privacy filter, and lookup through THE normalize."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict

import pytest
from click.testing import CliRunner

from qrw.cli import main
from qrw.errors import QrwError
from qrw.serve import lookup as lookup_mod
from qrw.serve.export import export, write_hadoop
from qrw.serve.lookup import lookup
from qrw.serve.publish import publish
from serve_tables import entry, good_rows, write_version

CLI_SET = ["--set", "spark.shuffle_partitions=2"]


@pytest.fixture(scope="module")
def published_table(spark, cfg, tmp_path_factory):
    """One published version of the healthy dictionary, shared by the read-only tests below."""
    table = str(tmp_path_factory.mktemp("serve") / "rewrite_dictionary")
    write_version(spark, table, good_rows() + [entry("no model", model=None)])
    publish(cfg.model_copy(deep=True), table=table)
    return table


def test_export_is_exactly_the_contract(scfg, published_table, tmp_path):
    out = tmp_path / "out" / "rewrites.jsonl"
    out.parent.mkdir()
    out.write_text("old content\n")  # replaced atomically
    manifest = export(scfg, table=published_table, out=str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line, object_pairs_hook=OrderedDict) for line in lines]
    assert all(list(r) == ["query", "rewrites", "model_version"] for r in records)
    assert all(list(x) == ["rewrite", "relevance", "score"] for r in records for x in r["rewrites"])
    by_query = {r["query"]: r for r in records}
    assert by_query["adi no laces"] == {
        "query": "adi no laces",
        "rewrites": [
            {"rewrite": "adidas laceless sneakers", "relevance": 0.95, "score": 3.0},
            {"rewrite": "slip on sneakers", "relevance": 0.8, "score": 2.5},
        ],
        "model_version": "m1",
    }
    assert by_query["no model"]["model_version"] is None  # null fields keep their key
    assert "rare secret query" not in by_query  # one user: privacy filter
    assert [r["query"] for r in records] == sorted(by_query)
    assert manifest["rows"] == len(lines) == 22
    assert manifest["privacy_filtered"] == 1 and manifest["min_users"] == 2
    assert manifest["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert json.loads((tmp_path / "out" / "rewrites.jsonl.manifest.json").read_text()) == manifest
    assert sorted(p.name for p in out.parent.iterdir()) == ["rewrites.jsonl", "rewrites.jsonl.manifest.json"]


def test_stricter_min_users_at_export_time_filters_more(scfg, published_table, tmp_path):
    scfg.serve.min_users = 6  # every healthy row has 5 users
    assert export(scfg, table=published_table, out=str(tmp_path / "x.jsonl"))["rows"] == 0
    assert lookup(scfg, table=published_table, query="item 1") is None


def test_hadoop_writer_for_uris(spark, tmp_path):
    target = tmp_path / "remote.jsonl"
    target.write_text("old\n")
    write_hadoop(spark, target.as_uri(), [b'{"a": 1}\n', b'{"b": 2}\n'])
    assert target.read_text() == '{"a": 1}\n{"b": 2}\n'
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".crc")] == ["remote.jsonl"]


def test_nothing_published_is_a_clear_error(spark, scfg, table, tmp_path):
    write_version(spark, table, good_rows())
    result = CliRunner().invoke(main, ["export", "--table", table, "--out", str(tmp_path / "x.jsonl"), *CLI_SET])
    assert result.exit_code != 0 and "run `qrw publish" in result.output
    with pytest.raises(QrwError, match="run `qrw publish"):
        lookup(scfg, table=table, query="item 1")


def test_lookup_normalizes_and_filters(scfg, published_table, monkeypatch):
    hit = lookup(scfg, table=published_table, query="  ADI no-laces!! ")
    assert hit["query"] == "adi no laces"
    assert hit["rewrites"][0] == {"rewrite": "adidas laceless sneakers", "relevance": 0.95, "score": 3.0}
    assert lookup(scfg, table=published_table, query="Rare Secret Query") is None  # privacy
    assert lookup(scfg, table=published_table, query="never searched") is None

    # repeated calls are served from the cached snapshot: no further Delta reads
    def no_reads(*_a, **_k):
        raise AssertionError("lookup re-read the dictionary")

    monkeypatch.setattr(lookup_mod, "read_version", no_reads)
    monkeypatch.setattr(lookup_mod, "require_published", no_reads)
    assert lookup(scfg, table=published_table, query="ITEM 7")["query"] == "item 7"


def test_publication_log_commit_same_through_hadoop(spark, published_table, monkeypatch):
    local = lookup_mod._log_commit(spark, published_table)
    assert local is not None and local >= 0
    monkeypatch.setattr(lookup_mod, "is_local", lambda _path: False)  # the branch for hdfs://, s3a://, ...
    assert lookup_mod._log_commit(spark, published_table) == local
    assert lookup_mod._log_commit(spark, published_table + "_never") is None


def test_lookup_cli_prints_one_json_line(published_table):
    lookup_mod.clear_cache()
    result = CliRunner().invoke(main, ["lookup", "--table", published_table, "Adi No-Laces", *CLI_SET])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["query"] == "adi no laces"
    miss = CliRunner().invoke(main, ["lookup", "--table", published_table, "zzz", *CLI_SET])
    assert miss.output.strip() == "null"
