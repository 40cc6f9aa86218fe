"""write_rejects redacts every record, for every caller: contract columns only, never user_id/session_id."""

from __future__ import annotations

import json

from qrw.io.rejects import write_rejects


def test_rejects_keep_only_non_private_contract_columns(spark, tmp_path):
    search = {"event_time": "2026-11-01T10:00:00Z", "user_id": "u-secret", "session_id": "s-secret", "query": "x", "event_type": "hover", "email": "a@b.c"}
    catalog = {"product_id": "p1", "title": "", "vendor_secret": "v"}
    rows = [
        ("search_log", "unknown event_type: hover", json.dumps(search)),
        ("search_log", "missing user_id", json.dumps({"Event_Type": "search", "User_ID": "u-secret"})),
        ("search_log", "malformed record", "2026-11-01,u-secret,s-secret,broken"),
        ("catalog", "missing title", json.dumps(catalog)),
        ("relevance_labels", "malformed record", "not json"),
    ]
    path = str(tmp_path / "rejects")
    write_rejects(spark.createDataFrame(rows, "source string, reason string, record string"), path, "run-1")
    got = {(r["source"], r["reason"]): r["record"] for r in spark.read.format("delta").load(path).collect()}
    assert all("secret" not in rec and "user_id" not in rec and "session_id" not in rec for rec in got.values()), got
    assert json.loads(got["search_log", "unknown event_type: hover"]) == {"event_time": "2026-11-01T10:00:00Z", "query": "x", "event_type": "hover"}
    assert json.loads(got["search_log", "missing user_id"]) == {"Event_Type": "search"}  # header case kept, match case-insensitive
    malformed = json.loads(got["search_log", "malformed record"])
    assert set(malformed) == {"malformed_record_sha256", "chars"}
    assert json.loads(got["catalog", "missing title"]) == {"product_id": "p1", "title": ""}
    # A malformed label line holds no private data: kept as it was (findable as-is).
    assert got["relevance_labels", "malformed record"] == "not json"
