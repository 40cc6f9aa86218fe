"""Every input format, and malformed rows that must land in rejects with a reason."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd
import pytest

from qrw.errors import QrwError
from qrw.io import read_catalog, read_labels, read_search_log, write_rejects

GOOD = [
    {"event_time": "2026-11-01T10:00:00Z", "user_id": "u1", "session_id": "s1", "query": "Adi No-Laces", "event_type": "search", "product_id": None, "position": None},
    {"event_time": "2026-11-01T10:00:05Z", "user_id": "u1", "session_id": "s1", "query": "adi no laces", "event_type": "CLICK", "product_id": "p1", "position": "2"},
    {"event_time": "2026-11-01 10:01:00", "user_id": "u1", "session_id": None, "query": None, "event_type": "order", "product_id": "p1", "position": None},
]
BAD = [
    ({"event_time": None, "user_id": "u2", "session_id": "s", "query": "x", "event_type": "search"}, "missing event_time"),
    ({"event_time": "yesterday-ish", "user_id": "u2", "session_id": "s", "query": "x", "event_type": "search"}, "event_time is not a timestamp"),
    ({"event_time": "2026-11-01T10:00:00Z", "user_id": None, "query": "x", "event_type": "search"}, "missing user_id"),
    ({"event_time": "2026-11-01T10:00:00Z", "user_id": "u3", "query": "x", "event_type": None}, "missing event_type"),
    ({"event_time": "2026-11-01T10:00:00Z", "user_id": "u3", "query": "x", "event_type": "hover"}, "unknown event_type: hover"),
    ({"event_time": "2026-11-01T10:00:00Z", "user_id": "u3", "query": "x", "event_type": "click"}, "click without product_id"),
    ({"event_time": "2026-11-01T10:00:00Z", "user_id": "u3", "query": "q" * 2000, "event_type": "search"}, "query over 512 characters"),
    ({"event_time": "2026-11-01T10:00:00Z", "user_id": "u3", "query": "  ", "event_type": "search"}, "search without query"),
    ({"event_time": "2026-11-01T10:00:00Z", "user_id": "u3", "query": "x", "event_type": "click", "product_id": "p", "position": "first"}, "position is not an integer"),
]
CONTROL = {"event_time": "2026-11-01T10:00:00Z", "user_id": "u4", "session_id": "s4", "query": "red\x07 \x1b[31mshoes\x00", "event_type": "search", "product_id": None, "position": None}


def _rows():
    rows = GOOD + [CONTROL] + [r for r, _ in BAD]
    return [{k: r.get(k) for k in GOOD[0]} for r in rows]


def _write(tmp_path, fmt: str, spark) -> str:
    rows = _rows()
    if fmt == "jsonl":
        path = tmp_path / "log.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json at all\n")
        return str(path)
    if fmt == "csv":
        path = tmp_path / "log.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        with open(path, "ab") as fh:  # a row with invalid UTF-8 bytes in the query
            fh.write(b"2026-11-01T10:00:00Z,u5,s5,bad \xff\xfe bytes,search,,\n")
        return str(path)
    frame = spark.createDataFrame(pd.DataFrame(rows).astype(object).where(pd.DataFrame(rows).notna(), None))
    path = str(tmp_path / f"log_{fmt}")
    frame.write.format(fmt).save(path)
    return path


@pytest.mark.parametrize("fmt", ["delta", "parquet", "csv", "jsonl"])
def test_search_log_every_format_rejects_with_reasons(spark, tmp_path, fmt):
    loaded = read_search_log(spark, _write(tmp_path, fmt, spark))
    reasons = {r["reason"] for r in loaded.rejects.collect()}
    for _, expected in BAD:
        assert expected in reasons, (fmt, expected, reasons)
    if fmt == "jsonl":
        assert "malformed record" in reasons
    if fmt == "csv":
        assert "invalid UTF-8" in reasons
    valid = loaded.valid.orderBy("event_time", "user_id").collect()
    assert loaded.valid_count == len(GOOD) + 1 == len(valid)
    assert loaded.total == loaded.valid_count + loaded.rejected
    by_user = {(r["user_id"], r["event_type"]): r for r in valid}
    assert by_user[("u1", "click")]["position"] == 2
    assert by_user[("u1", "search")]["query_norm"] == "adi no laces"
    assert by_user[("u4", "search")]["query_norm"] == "red 31mshoes"
    assert by_user[("u1", "order")]["event_time"] == datetime(2026, 11, 1, 10, 1)  # UTC session zone
    # Nothing lost: every reject keeps its original record.
    assert all(r["record"] for r in loaded.rejects.collect())


def test_invalid_utf8_in_parquet_is_rejected(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "event_time": pa.array([datetime(2026, 11, 1, tzinfo=timezone.utc)] * 2),
            "user_id": ["u1", "u2"],
            "query": pa.array([b"ok shoes", b"bad \xff bytes"], type=pa.binary()).cast(pa.string(), safe=False),
            "event_type": ["search", "search"],
        }
    )
    pq.write_table(table, tmp_path / "log.parquet", write_statistics=False)
    loaded = read_search_log(spark, str(tmp_path / "log.parquet"))
    assert loaded.rejected_by_reason == {"invalid UTF-8": 1}
    assert [r["query"] for r in loaded.valid.collect()] == ["ok shoes"]


def test_missing_required_column(spark, tmp_path):
    row = {"event_time": "2026-11-01T10:00:00Z", "query": "x", "event_type": "search"}
    # A typed table without the column: a clear error naming it.
    spark.createDataFrame([row]).write.parquet(str(tmp_path / "log_parquet"))
    with pytest.raises(QrwError, match="user_id"):
        read_search_log(spark, str(tmp_path / "log_parquet"))
    # Text formats read by the contract schema: each row lands in rejects with the reason.
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(row) + "\n")
    assert read_search_log(spark, str(path)).rejected_by_reason == {"missing user_id": 1}


def test_unknown_format_and_missing_path(spark, tmp_path):
    (tmp_path / "data.txt").write_text("hello")
    with pytest.raises(QrwError, match="--format"):
        read_search_log(spark, str(tmp_path / "data.txt"))
    with pytest.raises(QrwError, match="does not exist"):
        read_search_log(spark, str(tmp_path / "nope.csv"))


def test_catalog_rejects_and_attribute_forms(spark, tmp_path):
    rows = [
        {"product_id": "p1", "title": "Adidas Hook-and-Loop Sneakers", "brand": "Adidas", "category": "Shoes > Kids", "attributes": json.dumps({"color": "white"}), "description": "d"},
        {"product_id": "p2", "title": "", "brand": "x", "category": None, "attributes": None, "description": None},
        {"product_id": "p3", "title": "Kettle", "brand": None, "category": None, "attributes": "[1, 2]", "description": None},
        {"product_id": "p1", "title": "Dup", "brand": None, "category": None, "attributes": None, "description": None},
        {"product_id": None, "title": "Orphan", "brand": None, "category": None, "attributes": None, "description": None},
    ]
    path = tmp_path / "catalog.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    loaded = read_catalog(spark, str(path))
    assert loaded.rejected_by_reason == {
        "missing title": 1,
        "attributes is not a JSON object of strings": 1,
        "duplicate product_id": 1,
        "missing product_id": 1,
    }
    (only,) = loaded.valid.collect()
    assert only["attributes"] == {"color": "white"}
    # map<string,string> in Delta stays a map
    loaded.valid.write.format("delta").save(str(tmp_path / "cat_delta"))
    again = read_catalog(spark, str(tmp_path / "cat_delta"))
    assert again.valid.collect()[0]["attributes"] == {"color": "white"} and again.rejected == 0


def test_labels_esci_and_ints(spark, tmp_path):
    path = tmp_path / "labels.csv"
    pd.DataFrame(
        {"query": ["Running Shoes", "tv", "tv", "tv", "x"], "product_id": ["p1", "p2", "p3", "p4", "p5"], "label": ["Exact", "2", "irrelevant", "great", "7"]}
    ).to_csv(path, index=False)
    loaded = read_labels(spark, str(path))
    got = {r["product_id"]: r["grade"] for r in loaded.valid.collect()}
    assert got == {"p1": 3, "p2": 2, "p3": 0}
    assert loaded.rejected == 2


def test_rejects_table_is_idempotent_per_run(spark, tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(json.dumps(r) for r, _ in BAD))
    loaded = read_search_log(spark, str(path))
    table = str(tmp_path / "rejects")
    write_rejects(loaded.rejects, table, "run-1")
    write_rejects(loaded.rejects, table, "run-1")
    write_rejects(loaded.rejects, table, "run-2")
    counts = {r["run_id"]: r["count"] for r in spark.read.format("delta").load(table).groupBy("run_id").count().collect()}
    assert counts == {"run-1": len(BAD), "run-2": len(BAD)}
