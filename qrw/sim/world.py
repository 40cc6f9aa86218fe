"""The embedded sample world: a seeded synthetic shop whose logs show real lexical gaps.

``generate_world(cfg.sim)`` builds, in pure Python/numpy/pandas:

* ``catalog``, ``search_log``, ``relevance_labels`` in the contract formats
  (docs/contracts.md) - the only tables the pipeline may learn from;
* ``truth_queries`` and ``truth_intents`` - the hidden ground truth (which
  intent each normalized query means, what kind of gap it has, which products
  satisfy each intent), for evaluation and tests only. None of it is in the log.

The catalog and intents depend on the seed only; ``scale`` multiplies shoppers
(and so sessions and events), so scale=3 is the same shop with 3x the traffic.
``world="large"`` builds the development benchmark instead (``qrw.sim.large``: ~50,000
products over many more types, categories and brands; its traffic defaults in SimSection).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from ..config import SimSection
from ..errors import QrwError
from ..normalize import normalize
from .catalog import Product, build_catalog, catalog_frame
from .search import LexicalSearch, product_text
from .intents import Intent, attach_forms, build_intents
from .sessions import EVENT_TYPES, SEARCH, Simulator
from .vocab import SMALL, Vocabulary

SEARCH_LOG_COLUMNS = ["event_time", "user_id", "session_id", "query", "event_type", "product_id", "position"]
LABEL_COLUMNS = ["query", "product_id", "label"]
TRUTH_QUERY_COLUMNS = ["query_norm", "intent_id", "category", "gap_type", "canonical_query", "gap_detail", "engine_gap"]
TRUTH_INTENT_COLUMNS = ["intent_id", "category", "brand", "canonical_query", "product_ids", "product_type", "attributes"]


@dataclass
class World:
    """The generated tables. The first three are pipeline inputs; ``truth_*`` are hidden ground truth."""

    catalog: pd.DataFrame
    search_log: pd.DataFrame
    relevance_labels: pd.DataFrame
    truth_queries: pd.DataFrame
    truth_intents: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def fingerprint(self) -> str:
        """A content hash of every table: equal worlds, equal fingerprints (e.g. to key cached runs)."""
        digest = hashlib.sha256()
        for name, df in self.tables().items():
            digest.update(name.encode())
            digest.update(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes())
        return digest.hexdigest()

    def search(self, **kw) -> LexicalSearch:
        """The world's own search engine, rebuilt from the catalog table (results are catalog row positions)."""
        return LexicalSearch.from_catalog(self.catalog, **kw)


def generate_world(cfg: SimSection) -> World:
    """Build the whole world; the same ``cfg`` (seed included) gives identical frames."""
    if cfg.scale <= 0 or cfg.days < 1:
        raise QrwError(f"sim.scale must be > 0 and sim.days >= 1 (got scale={cfg.scale}, days={cfg.days})")
    try:
        start = pd.Timestamp(cfg.start_date, tz="UTC")
    except ValueError as exc:
        raise QrwError(f"sim.start_date {cfg.start_date!r} is not an ISO date like 2025-03-03") from exc

    vocab = world_vocabulary(cfg)
    products = build_catalog(cfg.seed, vocab)
    search = LexicalSearch([product_text(p.title, p.brand, p.ptype.category) for p in products])
    intents = build_intents(products, cfg.intents, cfg.seed, vocab)
    owner = attach_forms(intents, search, cfg.seed, cfg.canonical_share)
    sim = Simulator(
        intents,
        owner,
        products,
        search,
        seed=cfg.seed,
        n_users=max(1, round(cfg.users * cfg.scale)),
        days=cfg.days,
        null_session_share=cfg.null_session_share,
        null_query_share=cfg.null_query_share,
        fresh_typo_rate=cfg.fresh_typo_rate,
    )
    events = sim.run()
    search_log = _search_log_frame(events, sim, products, start)
    truth_queries = _truth_queries(search_log, intents, owner)
    return World(
        catalog=catalog_frame(products),
        search_log=search_log,
        relevance_labels=_relevance_labels(truth_queries, intents, owner, products, search, sim, cfg),
        truth_queries=truth_queries,
        truth_intents=_truth_intents(intents, products),
    )


def world_vocabulary(cfg: SimSection) -> Vocabulary:
    """The vocabulary ``cfg.world`` names: the hand-written small one, or the large benchmark's."""
    if cfg.world == "small":
        return SMALL
    from .large import large_vocabulary

    return large_vocabulary(cfg.seed, cfg.catalog_scale)


def _search_log_frame(events, sim: Simulator, products: list[Product], start: pd.Timestamp) -> pd.DataFrame:
    ms = np.round(np.asarray(events.t, dtype=np.float64) * 1000.0).astype(np.int64)
    order = np.argsort(ms, kind="stable")  # a log is in time order; sessions interleave
    user_ids = np.asarray(sim.user_ids, dtype=object)
    session_ids = np.asarray(sim.session_ids, dtype=object)
    product_ids = np.asarray([p.product_id for p in products] + [None], dtype=object)  # -1 -> None
    prod = np.asarray(events.product, dtype=np.int64)[order]
    pos = np.asarray(events.position, dtype=np.int32)[order]
    return pd.DataFrame(
        {
            "event_time": start + pd.to_timedelta(ms[order], unit="ms"),
            "user_id": user_ids[np.asarray(events.user, dtype=np.int64)[order]],
            "session_id": session_ids[np.asarray(events.session, dtype=np.int64)[order]],
            "query": np.asarray(events.query, dtype=object)[order],
            "event_type": EVENT_TYPES[np.asarray(events.etype, dtype=np.int64)[order]],
            "product_id": product_ids[prod],
            "position": pd.arrays.IntegerArray(pos, mask=pos <= 0),
        },
        columns=SEARCH_LOG_COLUMNS,
    )


def _truth_queries(search_log: pd.DataFrame, intents: list[Intent], owner: dict[str, tuple[int, int]]) -> pd.DataFrame:
    searched = search_log.loc[search_log["event_type"] == EVENT_TYPES[SEARCH], "query"]
    norms = sorted({normalize(q) for q in searched.unique()})
    rows = []
    for norm in norms:
        i, j = owner[norm]
        intent, form = intents[i], intents[i].forms[j]
        rows.append((norm, intent.intent_id, intent.category, form.gap_type, intent.canonical, "+".join(form.ops), form.engine_gap))
    return pd.DataFrame(rows, columns=TRUTH_QUERY_COLUMNS)


def _truth_intents(intents: list[Intent], products: list[Product]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (
                i.intent_id,
                i.category,
                i.brand,
                i.canonical,
                [products[r].product_id for r in i.products],
                i.ptype.key,
                {**({"brand": i.brand} if i.brand else {}), **i.constraints},
            )
            for i in sorted(intents, key=lambda i: i.intent_id)
        ],
        columns=TRUTH_INTENT_COLUMNS,
    )


def _relevance_labels(
    truth_queries: pd.DataFrame,
    intents: list[Intent],
    owner: dict[str, tuple[int, int]],
    products: list[Product],
    search: LexicalSearch,
    sim: Simulator,
    cfg: SimSection,
) -> pd.DataFrame:
    """ESCI judgments for a sample of logged queries: exact, substitutes, complements and hard negatives."""
    rng = random.Random(f"qrw-sim-labels-{cfg.seed}")
    norms = list(truth_queries["query_norm"])
    weights = [1.0 if g == "none" else 1.5 for g in truth_queries["gap_type"]]
    keyed = sorted(((rng.random() ** (1.0 / w), n) for n, w in zip(norms, weights, strict=True)), reverse=True)
    picked = [n for _, n in keyed[: cfg.label_queries]]
    by_ptype: dict[int, list[int]] = {}
    for row, pt in enumerate(sim.prod_ptype):
        by_ptype.setdefault(pt, []).append(row)

    def relation(intent: Intent, row: int) -> str:
        if row in intent.product_set:
            return "exact"
        ipt, pt = sim.intent_ptype[intent.idx], sim.prod_ptype[row]
        if pt == ipt:
            return "substitute"
        return "complement" if (ipt, pt) in sim.complements else "irrelevant"

    rows: list[tuple[str, str, str]] = []
    for norm in picked:
        i, j = owner[norm]
        intent = intents[i]
        query = intent.forms[j].raw
        ipt = sim.intent_ptype[intent.idx]
        chosen: list[int] = []
        if intent.products:
            chosen += rng.sample(intent.products, min(2, len(intent.products)))
        exact = intent.product_set  # a property that builds a frozenset: once per query, not per row
        subs = [r for r in by_ptype.get(ipt, []) if r not in exact]
        if subs and rng.random() < 0.9:
            chosen.append(rng.choice(subs))
        comp = [r for (a, b) in sorted(sim.complements) if a == ipt for r in by_ptype.get(b, [])]
        if comp and rng.random() < 0.6:
            chosen.append(rng.choice(comp))
        shown_other = [r for r in search.search(norm) if relation(intent, r) == "irrelevant"]
        if shown_other:
            chosen.append(shown_other[0])  # a hard negative: the engine showed it for this query
        if rng.random() < 0.5 or not shown_other:
            chosen.append(rng.randrange(len(products)))
        for row in dict.fromkeys(chosen):
            rows.append((query, products[row].product_id, relation(intent, row)))
    return pd.DataFrame(rows, columns=LABEL_COLUMNS)


def describe(world: World) -> dict:
    """Counts for printing: sizes, events by type, distinct queries, users, gap share."""
    log = world.search_log
    searches = log[log["event_type"] == "search"]
    uniq = searches["query"].unique()
    norms = searches["query"].map(dict(zip(uniq, map(normalize, uniq), strict=True)))
    tq = world.truth_queries.set_index("query_norm")
    gap = norms.map(tq["gap_type"]).ne("none")
    engine_gap = norms.map(tq["engine_gap"]).astype(bool)
    first, last = log["event_time"].min(), log["event_time"].max()
    return {
        "products": int(len(world.catalog)),
        "categories": int(world.catalog["category"].nunique()),
        "events": int(len(log)),
        "events_by_type": {k: int(v) for k, v in log["event_type"].value_counts().sort_index().items()},
        "users": int(log["user_id"].nunique()),
        "sessions_with_id": int(log["session_id"].nunique()),
        "events_without_session_id": int(log["session_id"].isna().sum()),
        "distinct_queries": int(len(world.truth_queries)),
        "intents": int(len(world.truth_intents)),
        "gap_search_share": round(float(gap.mean()), 3) if len(gap) else 0.0,
        "engine_gap_search_share": round(float(engine_gap.mean()), 3) if len(gap) else 0.0,
        "gap_queries_by_type": {k: int(v) for k, v in world.truth_queries["gap_type"].value_counts().sort_index().items()},
        "relevance_labels": int(len(world.relevance_labels)),
        "window": f"{first.isoformat()} .. {last.isoformat()}" if len(log) else "",
    }
