"""Issue #14 input defects: CSV by header name, quoted newlines, escaped invalid UTF-8, format mismatches."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from qrw.errors import QrwError
from qrw.io import read_search_log, write_rejects

ROWS = [
    {"event_time": f"2026-11-01T10:00:0{i}Z", "user_id": f"u{i}", "session_id": f"s{i}", "query": f"red shoes {i}", "event_type": "search", "product_id": None, "position": None}
    for i in range(4)
] + [{"event_time": "2026-11-01T10:00:09Z", "user_id": "u9", "session_id": "s9", "query": "red shoes 0", "event_type": "click", "product_id": "p1", "position": "3"}]

COLUMNS = ["event_time", "user_id", "session_id", "query", "event_type", "product_id", "position"]


def _valid(loaded) -> list[tuple]:
    return sorted((r["user_id"], r["session_id"], r["event_type"], r["query"], r["product_id"], r["position"]) for r in loaded.valid.collect())


def test_csv_is_read_by_header_name_not_position(spark, tmp_path):
    contract = tmp_path / "contract.csv"
    pd.DataFrame(ROWS, columns=COLUMNS).to_csv(contract, index=False)
    # session_id and user_id swapped (the probe), the rest shuffled too, plus an extra column.
    shuffled = ["position", "session_id", "query", "user_id", "extra", "event_type", "product_id", "event_time"]
    other = tmp_path / "shuffled.csv"
    pd.DataFrame([{**r, "extra": "x"} for r in ROWS], columns=shuffled).to_csv(other, index=False)
    expected = read_search_log(spark, str(contract))
    got = read_search_log(spark, str(other))
    assert got.rejected == 0 and got.valid_count == len(ROWS)
    assert _valid(got) == _valid(expected)
    assert {r["user_id"] for r in got.valid.collect()} == {r["user_id"] for r in ROWS}


def test_csv_folder_whose_files_order_columns_differently(spark, tmp_path):
    folder = tmp_path / "log"
    folder.mkdir()
    pd.DataFrame(ROWS[:2], columns=COLUMNS).to_csv(folder / "part-0.csv", index=False)
    pd.DataFrame(ROWS[2:], columns=list(reversed(COLUMNS))).to_csv(folder / "part-1.csv", index=False)
    (folder / "_SUCCESS").write_text("")
    got = read_search_log(spark, str(folder))
    assert got.rejected == 0
    assert {(r["user_id"], r["session_id"]) for r in got.valid.collect()} == {(r["user_id"], r["session_id"]) for r in ROWS}


def test_csv_without_a_required_column_names_it(spark, tmp_path):
    path = tmp_path / "log.csv"
    pd.DataFrame(ROWS, columns=[c for c in COLUMNS if c != "user_id"]).to_csv(path, index=False)
    with pytest.raises(QrwError, match="user_id") as info:
        read_search_log(spark, str(path))
    assert "log.csv" in str(info.value)


def test_csv_quoted_newline_stays_one_row(spark, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "event_time,user_id,session_id,query,event_type,product_id,position\n"
        '2026-11-01T10:00:00Z,u1,s1,"red\nrunning shoes",search,,\n'
        "2026-11-01T10:00:05Z,u2,s2,kettle,search,,\n"
    )
    got = read_search_log(spark, str(path))
    assert got.total == 2 and got.rejected == 0
    assert sorted(r["query_norm"] for r in got.valid.collect()) == ["kettle", "red running shoes"]


def test_jsonl_invalid_utf8_is_rejected_and_stored_escaped(spark, tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "log.jsonl"
    good = json.dumps(ROWS[0]).encode()
    bad = b'{"event_time": "2026-11-01T10:00:00Z", "user_id": "u7", "query": "bad \xff\xfe bytes", "event_type": "search"}'
    path.write_bytes(good + b"\n" + bad + b"\n")
    loaded = read_search_log(spark, str(path))
    assert loaded.rejected_by_reason == {"invalid UTF-8": 1}
    (reject,) = loaded.rejects.collect()
    assert "bad \\xff\\xfe bytes" in reject["record"]
    table = tmp_path / "rejects"
    write_rejects(loaded.rejects, str(table), "run-1")
    # Arrow (and Python) decode every string of the rejects table: no raw invalid bytes stored.
    # The escaped line is no JSON object (\\x is no JSON escape), so its user_id cannot be
    # filtered out by column: write_rejects stores its sha256 and length instead (qrw/io/rejects.py).
    files = [p for p in table.rglob("*.parquet")]
    records = [rec for f in files for rec in pq.read_table(f).column("record").to_pylist()]
    assert records and all("malformed_record_sha256" in r and "u7" not in r for r in records)


@pytest.mark.parametrize(
    "write, fmt, says",
    [
        ("csv", "parquet", "looks like CSV"),
        ("csv", "delta", "not a Delta table"),
        ("csv", "json", "not JSON Lines"),
        ("jsonl", "csv", "looks like JSON Lines"),
        ("parquet", "csv", "looks like Parquet"),
        ("parquet", "jsonl", "looks like Parquet"),
        ("delta", "parquet", "is a Delta table"),
    ],
)
def test_format_mismatch_is_a_clear_error(spark, tmp_path, write, fmt, says):
    frame = pd.DataFrame(ROWS, columns=COLUMNS)
    if write == "csv":
        path = tmp_path / "log.csv"
        frame.to_csv(path, index=False)
    elif write == "jsonl":
        path = tmp_path / "log.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in ROWS))
    else:
        path = tmp_path / f"log_{write}"
        spark.createDataFrame(frame.astype(str)).write.format(write).save(str(path))
    with pytest.raises(QrwError, match=says) as info:
        read_search_log(spark, str(path), fmt=fmt)
    assert "--format" in str(info.value)


def test_missing_path_with_explicit_format(spark, tmp_path):
    with pytest.raises(QrwError, match="does not exist"):
        read_search_log(spark, str(tmp_path / "nope"), fmt="parquet")
