"""write_world round-trips through real Spark: Delta with contract types, CSV readable by our readers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from qrw.config import SimSection
from qrw.errors import QrwError


@pytest.fixture(scope="module")
def small_world():
    from qrw.sim import generate_world

    return generate_world(SimSection(seed=3, scale=0.2))


@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")  # pyspark toPandas on pandas 3
def test_delta_round_trip(spark, small_world, tmp_path):
    from pyspark.sql.types import ArrayType, IntegerType, MapType, TimestampType

    from qrw.sim import write_world

    paths = write_world(spark, small_world, str(tmp_path / "world"))
    assert set(paths) == {"catalog", "search_log", "relevance_labels", "truth_queries", "truth_intents"}
    assert all((tmp_path / "world" / name / "_delta_log").is_dir() for name in paths)

    log = spark.read.format("delta").load(paths["search_log"])
    types = dict((f.name, f.dataType) for f in log.schema.fields)
    assert list(types) == list(small_world.search_log.columns)
    assert isinstance(types["event_time"], TimestampType) and isinstance(types["position"], IntegerType)
    back = log.toPandas().sort_values(["event_time", "user_id", "event_type"], kind="stable").reset_index(drop=True)
    want = small_world.search_log.sort_values(["event_time", "user_id", "event_type"], kind="stable").reset_index(drop=True)
    assert len(back) == len(want)
    assert (back["event_time"].dt.tz_localize(None) if back["event_time"].dt.tz else back["event_time"]).equals(
        want["event_time"].dt.tz_convert("UTC").dt.tz_localize(None).astype(back["event_time"].dtype)
    )
    for col in ("user_id", "session_id", "query", "event_type", "product_id"):
        assert back[col].fillna("<null>").tolist() == want[col].fillna("<null>").tolist(), col
    assert back["position"].fillna(0).astype(int).tolist() == want["position"].fillna(0).astype(int).tolist()

    cat = spark.read.format("delta").load(paths["catalog"])
    assert isinstance(cat.schema["attributes"].dataType, MapType)
    got = {r.product_id: dict(r.attributes or {}) for r in cat.select("product_id", "attributes").collect()}
    assert got == dict(zip(small_world.catalog["product_id"], small_world.catalog["attributes"]))

    intents = spark.read.format("delta").load(paths["truth_intents"])
    assert isinstance(intents.schema["product_ids"].dataType, ArrayType)
    got_ids = {r.intent_id: list(r.product_ids) for r in intents.select("intent_id", "product_ids").collect()}
    assert got_ids == dict(zip(small_world.truth_intents["intent_id"], small_world.truth_intents["product_ids"]))
    assert spark.read.format("delta").load(paths["relevance_labels"]).count() == len(small_world.relevance_labels)


def test_csv_round_trip_through_the_readers(spark, small_world, tmp_path):
    from qrw.io import read_catalog, read_search_log
    from qrw.sim import write_world

    paths = write_world(spark, small_world, str(tmp_path / "world"), fmt="csv")
    assert list((tmp_path / "world" / "search_log").glob("*.csv"))

    raw = spark.read.option("header", True).csv(paths["catalog"]).toPandas()
    assert list(raw.columns) == list(small_world.catalog.columns)
    attrs = dict(zip(raw["product_id"], raw["attributes"].map(json.loads)))
    assert attrs == dict(zip(small_world.catalog["product_id"], small_world.catalog["attributes"]))
    first = spark.read.option("header", True).csv(paths["search_log"]).limit(1).collect()[0]
    assert first.event_time.endswith("Z") or "+00:00" in first.event_time  # ISO-8601, UTC, unambiguous

    # The project's own readers accept every row as written.
    log = read_search_log(spark, paths["search_log"])
    assert log.rejected == 0 and log.valid_count == len(small_world.search_log)
    times = sorted(r.event_time for r in log.valid.select("event_time").collect())
    want = sorted(small_world.search_log["event_time"].dt.tz_convert("UTC").dt.tz_localize(None))
    assert [pd.Timestamp(t) for t in times] == [pd.Timestamp(t) for t in want]
    catalog = read_catalog(spark, paths["catalog"])
    assert catalog.rejected == 0 and catalog.valid_count == len(small_world.catalog)
    labels = spark.read.option("header", True).csv(paths["relevance_labels"])
    assert labels.count() == len(small_world.relevance_labels)


def test_unknown_format_is_a_clear_error(spark, small_world, tmp_path):
    from qrw.sim import write_world

    with pytest.raises(QrwError, match="unknown format"):
        write_world(spark, small_world, str(tmp_path), fmt="xlsx")
