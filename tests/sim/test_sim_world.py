"""The sample world: deterministic, in contract shape, and with a lexical gap that the log makes learnable."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from qrw.config import SimSection
from qrw.errors import QrwError
from qrw.normalize import normalize
from qrw.sim import describe, generate_world
from qrw.sim.vocab import GAP_TYPES

EVENT_TYPES = {"search", "click", "add_to_cart", "order"}


# ----------------------------------------------------------------------------- helpers


def _norm_map(series: pd.Series) -> pd.Series:
    uniq = series.dropna().unique()
    return series.map(dict(zip(uniq, map(normalize, uniq))))


def _searches(world) -> pd.DataFrame:
    log = world.search_log
    s = log[log["event_type"] == "search"].copy()
    s["query_norm"] = _norm_map(s["query"])
    return s


def _sessions(log: pd.DataFrame, gap_minutes: int = 30) -> pd.Series:
    """What a reader does: session_id where given, else cut per user at a 30-minute gap."""
    log = log.sort_values(["user_id", "event_time"], kind="stable")
    new = (log["user_id"] != log["user_id"].shift()) | (
        log["event_time"].diff() > pd.Timedelta(minutes=gap_minutes)
    )
    cut = "cut-" + new.cumsum().astype(str)
    return log["session_id"].where(log["session_id"].notna(), cut).reindex(log.index)


# ----------------------------------------------------------------------------- determinism


def test_same_seed_same_frames_other_seed_differs(world, sim_cfg):
    again = generate_world(sim_cfg)
    for name, df in world.tables().items():
        pd.testing.assert_frame_equal(df, again.tables()[name], obj=name)
    other = generate_world(sim_cfg.model_copy(update={"seed": sim_cfg.seed + 1, "scale": 0.3}))
    small = generate_world(sim_cfg.model_copy(update={"scale": 0.3}))
    assert not other.catalog["title"].equals(small.catalog["title"])
    assert not other.search_log["query"].equals(small.search_log["query"])


def test_deterministic_across_processes():
    """No dependence on Python's per-process string hashing (set iteration order)."""
    code = "from qrw.config import SimSection; from qrw.sim import generate_world; print(generate_world(SimSection(scale=0.15)).fingerprint())"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed}, stdout=subprocess.PIPE, text=True)
        for seed in ("1", "2")
    ]
    digests = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert digests == {generate_world(SimSection(scale=0.15)).fingerprint()}


def test_bad_config_is_a_clear_error():
    with pytest.raises(QrwError, match="scale"):
        generate_world(SimSection(scale=0))
    with pytest.raises(QrwError, match="start_date"):
        generate_world(SimSection(start_date="not a date"))


# ----------------------------------------------------------------------------- contract shape


def test_catalog_contract(world):
    cat = world.catalog
    assert list(cat.columns) == ["product_id", "title", "brand", "category", "attributes", "description"]
    assert 300 <= len(cat) <= 800
    assert cat["product_id"].is_unique and cat["product_id"].notna().all()
    assert (cat["title"].str.len() > 0).all()
    assert cat["category"].str.contains(" > ").all()
    assert 3 <= cat["category"].str.split(" > ").str[0].nunique() <= 4
    assert all(isinstance(a, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in a.items()) for a in cat["attributes"])
    # Merchant wording as the brief asks for.
    titles = set(cat["title"])
    assert any("Hook-and-Loop Kids' Sneakers" in t for t in titles)
    assert any(re.fullmatch(r"Samsung \d\d inch .*4K .*Smart TV", t) for t in titles)


def test_search_log_contract(world, sim_cfg):
    log = world.search_log
    assert list(log.columns) == ["event_time", "user_id", "session_id", "query", "event_type", "product_id", "position"]
    assert isinstance(log["event_time"].dtype, pd.DatetimeTZDtype) and str(log["event_time"].dt.tz) == "UTC"
    start = pd.Timestamp(sim_cfg.start_date, tz="UTC")
    assert log["event_time"].min() >= start
    assert log["event_time"].max() < start + pd.Timedelta(days=sim_cfg.days)
    assert log["event_time"].is_monotonic_increasing
    assert set(log["event_type"]) == EVENT_TYPES
    assert log["user_id"].notna().all()
    is_search = log["event_type"] == "search"
    assert log.loc[is_search, "product_id"].isna().all()
    assert log.loc[~is_search, "product_id"].notna().all()
    assert set(log.loc[~is_search, "product_id"]) <= set(world.catalog["product_id"])
    assert log.loc[is_search, "query"].notna().all()
    is_click = log["event_type"] == "click"
    assert str(log["position"].dtype) == "Int32"
    assert log.loc[is_click, "position"].notna().all() and (log.loc[is_click, "position"] >= 1).all()
    assert log.loc[~is_click, "position"].isna().all()
    # Query text on most follow-up events, missing on some (readers attribute those).
    carried = log.loc[~is_search, "query"].notna().mean()
    assert 0.75 < carried < 0.95
    # About a fifth of sessions have no session_id.
    assert 0.12 < log["session_id"].isna().mean() < 0.3
    # Raw text varies (case, spacing, apostrophes) while the normalized key does not.
    raw = log.loc[is_search, "query"]
    assert (raw != raw.str.lower()).mean() > 0.1
    assert raw.str.contains("'").any()


def test_sessions_survive_the_30_minute_cut(world):
    log = world.search_log
    sessions = _sessions(log)
    with_id = log["session_id"].notna()
    # Cutting at 30-minute gaps recovers the logged sessions exactly: one cut session per id.
    per_cut = pd.DataFrame({"cut": _sessions(log.assign(session_id=None)), "sid": log["session_id"]})
    assert (per_cut[with_id].groupby("cut")["sid"].nunique() == 1).all()
    assert (per_cut[with_id].groupby("sid")["cut"].nunique() == 1).all()
    assert sessions.nunique() > 0.3 * log["user_id"].nunique()


def test_relevance_labels(world):
    labels = world.relevance_labels
    assert list(labels.columns) == ["query", "product_id", "label"]
    assert 1000 <= len(labels) <= 6000
    assert set(labels["label"]) == {"exact", "substitute", "complement", "irrelevant"}
    assert labels["label"].value_counts(normalize=True)["irrelevant"] > 0.1
    assert set(labels["product_id"]) <= set(world.catalog["product_id"])
    assert not labels.duplicated(["query", "product_id"]).any()
    # Derived from the truth: exact <=> the product satisfies the query's intent.
    tq = world.truth_queries.set_index("query_norm")["intent_id"]
    products = world.truth_intents.set_index("intent_id")["product_ids"].map(set)
    intent = _norm_map(labels["query"]).map(tq)
    assert intent.notna().all()
    in_intent = [pid in products[i] for pid, i in zip(labels["product_id"], intent)]
    assert ((labels["label"] == "exact") == pd.Series(in_intent, index=labels.index)).all()


def test_truth_tables(world):
    tq, ti = world.truth_queries, world.truth_intents
    assert list(tq.columns[:5]) == ["query_norm", "intent_id", "category", "gap_type", "canonical_query"]
    assert list(ti.columns[:5]) == ["intent_id", "category", "brand", "canonical_query", "product_ids"]
    assert set(tq["query_norm"]) == set(_searches(world)["query_norm"])  # one row per searched key
    assert tq["query_norm"].is_unique and ti["intent_id"].is_unique and ti["canonical_query"].is_unique
    assert set(tq["gap_type"]) <= set(GAP_TYPES)
    assert set(tq["intent_id"]) <= set(ti["intent_id"])
    canon = ti.set_index("intent_id")["canonical_query"]
    assert (tq["canonical_query"] == tq["intent_id"].map(canon)).all()
    none = tq["gap_type"] == "none"
    assert (tq.loc[none, "query_norm"] == tq.loc[none, "canonical_query"]).all()
    assert (tq.loc[~none, "query_norm"] != tq.loc[~none, "canonical_query"]).all()
    # Products of an intent really are of its category (and brand, when it has one).
    cat = world.catalog.set_index("product_id")
    for row in ti.itertuples():
        assert all(cat.at[p, "category"] == row.category for p in row.product_ids)
        if pd.notna(row.brand):
            assert all(cat.at[p, "brand"] == row.brand for p in row.product_ids)
    # A few intents have no good product (the shop does not sell it), most have several.
    sizes = ti["product_ids"].map(len)
    assert 1 <= (sizes == 0).sum() <= 0.1 * len(ti)
    assert sizes.median() >= 2


def test_sizes_and_scale(world):
    n = len(world.search_log)
    assert 20_000 <= n <= 60_000
    triple = generate_world(SimSection(scale=3.0))
    assert 2.6 < len(triple.search_log) / n < 3.4
    pd.testing.assert_frame_equal(triple.catalog, world.catalog)  # scale grows traffic, not the shop
    pd.testing.assert_frame_equal(triple.truth_intents, world.truth_intents)


def test_describe(world):
    d = describe(world)
    assert d["products"] == len(world.catalog)
    assert sum(d["events_by_type"].values()) == d["events"] == len(world.search_log)
    assert d["users"] == world.search_log["user_id"].nunique()
    assert d["distinct_queries"] == len(world.truth_queries)
    assert 0.3 < d["gap_search_share"] < 0.7
    json.dumps(d)  # printable as-is


# ----------------------------------------------------------------------------- the gap is real and learnable


def test_engine_shows_the_gap(world):
    """Canonical queries put intent products on top; gap queries rarely do."""
    eng = world.search()
    pid = world.catalog["product_id"].to_numpy()
    products = world.truth_intents.set_index("intent_id")["product_ids"].map(set)
    tq = world.truth_queries[world.truth_queries["intent_id"].map(products.map(len)) > 0]
    hit3 = np.array([bool(set(pid[list(eng.search(q)[:3])]) & products[i]) for q, i in zip(tq["query_norm"], tq["intent_id"])])
    canonical = (tq["gap_type"] == "none").to_numpy()
    lexical_gap = (~tq["gap_type"].isin(["none", "word_order"])).to_numpy()
    assert hit3[canonical].mean() > 0.95
    assert hit3[lexical_gap].mean() < 0.5
    assert tq.loc[lexical_gap, "engine_gap"].mean() > 0.9
    # Every canonical query finds all of its intent's products by an AND match.
    for q, i in zip(tq.loc[canonical, "query_norm"], tq.loc[canonical, "intent_id"]):
        assert products[i] <= set(pid[list(eng.strict(q))])


def test_gap_reformulation_then_order_is_common(world):
    """The mining signal: a gap search, then the canonical query of the same intent, then an order of it."""
    log = world.search_log.copy()
    log["session"] = _sessions(log)
    log["query_norm"] = _norm_map(log["query"])
    tq = world.truth_queries.set_index("query_norm")
    s = log[log["event_type"] == "search"].assign(
        intent=lambda d: d["query_norm"].map(tq["intent_id"]),
        gap=lambda d: d["query_norm"].map(tq["gap_type"]),
        engine_gap=lambda d: d["query_norm"].map(tq["engine_gap"]).astype(bool),
    )
    keys = ["session", "intent"]
    gap_t = s[(s["gap"] != "none") & s["engine_gap"]].groupby(keys, as_index=False)["event_time"].min()
    fixed = s[s["gap"] == "none"].merge(gap_t, on=keys, suffixes=("", "_gap"))
    fix_t = fixed[fixed["event_time"] > fixed["event_time_gap"]].groupby(keys, as_index=False)["event_time"].min()
    owns = world.truth_intents[["intent_id", "product_ids"]].explode("product_ids").dropna()
    owns.columns = ["intent", "product_id"]
    orders = log.loc[log["event_type"] == "order", ["session", "event_time", "product_id"]]
    hits = orders.merge(fix_t, on="session", suffixes=("", "_fix")).merge(owns, on=["intent", "product_id"])
    sessions = hits[hits["event_time"] > hits["event_time_fix"]]["session"].nunique()
    share = sessions / log["session"].nunique()
    assert share > 0.08, share


def test_conversion_and_graph_links(world):
    """Merchant words convert far better; some shoppers still buy from gap queries (graph links)."""
    log = world.search_log
    tq = world.truth_queries.set_index("query_norm")
    products = world.truth_intents.set_index("intent_id")["product_ids"].map(set)
    s = _searches(world)
    kind = s["query_norm"].map(tq["gap_type"]).eq("none").map({True: "canonical", False: "gap"})
    follow = log[log["event_type"].isin(["click", "order"]) & log["query"].notna()].copy()
    follow["query_norm"] = _norm_map(follow["query"])
    follow["kind"] = follow["query_norm"].map(tq["gap_type"]).eq("none").map({True: "canonical", False: "gap"})
    orders = follow[follow["event_type"] == "order"]["kind"].value_counts() / kind.value_counts()
    assert orders["canonical"] > 3 * orders["gap"] > 0
    # Clicks from gap queries on the intent's own products link tail queries to them.
    clicks = follow[(follow["event_type"] == "click") & (follow["kind"] == "gap")]
    own = [p in products[i] for p, i in zip(clicks["product_id"], clicks["query_norm"].map(tq["intent_id"]))]
    linked = clicks[own]["query_norm"].nunique()
    assert linked > 0.1 * (tq["gap_type"] != "none").sum()


def test_privacy_coverage(world):
    """Most gap forms are typed by several shoppers (min-users filters keep them); some are one-offs."""
    s = _searches(world)
    users = s.groupby("query_norm")["user_id"].nunique()
    gap = users[users.index.map(world.truth_queries.set_index("query_norm")["gap_type"]) != "none"]
    assert (gap >= 2).mean() > 0.65
    assert (gap == 1).sum() >= 20
