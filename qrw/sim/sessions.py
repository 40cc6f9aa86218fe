"""Shopper behaviour: sessions of searches, clicks, carts and orders driven by hidden intents.

This is what makes rewrites learnable from the log alone. A shopper with an
intent types one of its surface forms; the lexical engine decides what shows.
Merchant-words queries put the intent's products on top, so shoppers click
and buy. Gap queries show little or the wrong things, so shoppers mostly leave
them and reformulate within seconds to minutes, usually to the canonical
query (sometimes a partial fix, sometimes another wording), then buy; some
still find an intent product lower down the gap query's results (the
query-product graph then links tail queries to the intent's products).
Noise on top: stray clicks, multi-intent sessions, abandonment, searches for
things the shop does not sell.

A tight, single-threaded loop over sessions with a seeded ``random.Random``:
deterministic, and about a million events in well under a minute.
"""

from __future__ import annotations

import bisect
import random
import re
from dataclasses import dataclass

import numpy as np

from ..normalize import normalize
from .catalog import Product
from .search import LexicalSearch
from .intents import Intent, SurfaceForm
from .vocab import typo

SEARCH, CLICK, CART, ORDER = 0, 1, 2, 3
EVENT_TYPES = np.array(["search", "click", "add_to_cart", "order"], dtype=object)

# Chance of clicking an examined result, by its relation to the shopper's intent:
# exact, substitute (same product type), complement, other.
_P_CLICK = (0.5, 0.12, 0.05, 0.025)
_P_CART = (0.45, 0.08, 0.05, 0.02)
_P_ORDER = 0.7
# A shopper who already reformulated has shown intent: more likely to buy once it shows up.
_P_CART_PERSISTENT = (0.6, 0.08, 0.05, 0.02)
_P_ORDER_PERSISTENT = 0.8
_P_CONTINUE = 0.8  # keep scanning after a result that was not clicked
_P_CONTINUE_AFTER_CLICK = 0.55
_MAX_QUERIES = 4
_POSSESSIVES = {"mens": "men's", "womens": "women's", "kids": "kids'", "childrens": "children's", "levis": "levi's"}
_POSSESSIVE = re.compile(r"\b(" + "|".join(_POSSESSIVES) + r")\b")
#: No new step starts this long into a session; the step in flight ends within ~8 minutes.
_SESSION_CAP_S = 45 * 60
#: Session slots leave this much room, so a user's sessions are > 30 minutes apart
#: and readers can cut sessions without a session_id at the 30-minute gap.
_MIN_GAP_BETWEEN_SESSIONS_S = 95 * 60


@dataclass
class Events:
    """Column lists of the simulated log (rows in session order)."""

    t: list[float]
    user: list[int]
    session: list[int]
    etype: list[int]
    product: list[int]
    position: list[int]
    query: list[str | None]


class Simulator:
    """Runs every shopper's sessions in order; ``run()`` returns the event columns.

    Fresh typos are registered in ``owner`` and on their intent as they are
    typed, so the ground truth covers every query the log contains.
    """

    def __init__(
        self,
        intents: list[Intent],
        owner: dict[str, tuple[int, int]],
        products: list[Product],
        search: LexicalSearch,
        *,
        seed: int,
        n_users: int,
        days: int,
        null_session_share: float,
        null_query_share: float,
        fresh_typo_rate: float,
    ):
        self.intents = intents
        self.owner = owner
        self.search = search
        self.rng = random.Random(f"qrw-sim-sessions-{seed}")
        self.n_users = n_users
        self.days = days
        self.null_session_share = null_session_share
        self.null_query_share = null_query_share
        self.fresh_typo_rate = fresh_typo_rate
        keys = sorted({p.ptype.key for p in products} | {i.ptype.key for i in intents})
        kid = {k: n for n, k in enumerate(keys)}
        self.prod_ptype = [kid[p.ptype.key] for p in products]
        self.intent_ptype = [kid[i.ptype.key] for i in intents]
        self.complements = {
            (kid[i.ptype.key], kid[c]) for i in intents for c in i.ptype.complements if c in kid
        }
        self.complements |= {(b, a) for a, b in self.complements}
        acc, self.intent_cum = 0.0, []
        for i in intents:
            acc += i.popularity
            self.intent_cum.append(acc)
        self.session_ids: list[str | None] = []
        self.user_ids: list[str] = []
        self.ev = Events([], [], [], [], [], [], [])

    # ----------------------------------------------------------------- helpers

    def _render(self, raw: str) -> str:
        """How the shopper actually typed it: case and spacing vary, the normalized key does not."""
        r = self.rng.random()
        if r < 0.25 and _POSSESSIVE.search(raw):
            raw = _POSSESSIVE.sub(lambda m: _POSSESSIVES[m.group(0)], raw, count=1)
        if r < 0.62:
            return raw
        if r < 0.77:
            return raw[:1].upper() + raw[1:]
        if r < 0.87:
            return raw.title()
        if r < 0.9:
            return raw.upper()
        if r < 0.95:
            return raw + " "
        return raw.replace(" ", "  ", 1)

    def _first_form(self, intent: Intent) -> int:
        rng = self.rng
        if self.fresh_typo_rate and rng.random() < self.fresh_typo_rate:
            j = self._fresh_typo(intent)
            if j is not None:
                return j
        r = rng.random() * intent.form_cum[-1]
        for j, c in enumerate(intent.form_cum):
            if r < c:
                return j
        return 0

    def _fresh_typo(self, intent: Intent) -> int | None:
        """A one-off typo of the canonical query: the singleton tail of real logs."""
        words = intent.canonical_raw.split()
        long_words = [n for n, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if not long_words:
            return None
        n = self.rng.choice(long_words)
        words = words[:n] + [typo(words[n], self.rng)] + words[n + 1 :]
        raw = " ".join(words)
        norm = normalize(raw)
        hit = self.owner.get(norm)
        if hit is not None:
            return hit[1] if hit[0] == intent.idx else None
        slot = next((s.name for s in intent.slots if intent.canonical_raw.split()[n] in s.text.split()), "noun")
        gap = not (self.search.strict(norm) & intent.product_set)
        intent.forms.append(SurfaceForm(raw, norm, "misspelling", (f"{slot}:misspelling",), (), gap))
        self.owner[norm] = (intent.idx, len(intent.forms) - 1)
        return len(intent.forms) - 1

    def _next_form(self, intent: Intent, cur: int) -> int:
        rng = self.rng
        n_chosen = len(intent.form_cum)
        if cur == 0:
            if n_chosen > 1 and rng.random() < 0.6:
                return rng.randrange(1, n_chosen)
            return 0
        form = intent.forms[cur]
        r = rng.random()
        if r < 0.7:
            return 0
        if r < 0.85 and form.partial:
            return rng.choice(form.partial)
        if n_chosen > 2:
            j = rng.randrange(1, n_chosen)
            if j != cur:
                return j
        return 0

    def _emit(self, t: float, user: int, session: int, etype: int, product: int, position: int, query: str | None) -> None:
        ev = self.ev
        ev.t.append(t)
        ev.user.append(user)
        ev.session.append(session)
        ev.etype.append(etype)
        ev.product.append(product)
        ev.position.append(position)
        ev.query.append(query)

    # ----------------------------------------------------------------- behaviour

    def _task(self, intent: Intent, t: float, user: int, session: int, t_end: float) -> float:
        """One intent pursued through up to four queries; returns the time of the last event."""
        rng = self.rng
        exact = intent.product_set
        iptype = self.intent_ptype[intent.idx]
        cur = self._first_form(intent)
        p_cart, p_order = _P_CART, _P_ORDER
        for step in range(_MAX_QUERIES):
            if step:
                p_cart, p_order = _P_CART_PERSISTENT, _P_ORDER_PERSISTENT
            form = intent.forms[cur]
            typed = self._render(form.raw)
            self._emit(t, user, session, SEARCH, -1, 0, typed)
            if rng.random() < 0.03:  # a refresh / back-button repeat of the same search
                t += rng.uniform(2, 20)
                self._emit(t, user, session, SEARCH, -1, 0, typed)
            results = self.search.search(form.norm)
            clicked_exact = bought = False
            t += rng.uniform(3, 25)
            for pos, row in enumerate(results):
                if row in exact:
                    rel = 0
                else:
                    pt = self.prod_ptype[row]
                    rel = 1 if pt == iptype else 2 if (iptype, pt) in self.complements else 3
                if rng.random() < _P_CLICK[rel]:
                    self._emit(t, user, session, CLICK, row, pos + 1, self._carry(typed))
                    clicked_exact |= rel == 0
                    if rng.random() < p_cart[rel]:
                        t += rng.uniform(15, 120)
                        self._emit(t, user, session, CART, row, 0, self._carry(typed))
                        if rng.random() < p_order:
                            t += rng.uniform(20, 240)
                            self._emit(t, user, session, ORDER, row, 0, self._carry(typed))
                            bought = True
                            break
                    t += rng.uniform(8, 90)
                    if rng.random() > _P_CONTINUE_AFTER_CLICK:
                        break
                elif rng.random() > _P_CONTINUE:
                    break
                if t > t_end:
                    return t
            if bought:
                return t
            if clicked_exact:
                p_reformulate = 0.2
            elif form.engine_gap:
                p_reformulate = 0.8
            else:
                p_reformulate = 0.3
            if rng.random() >= p_reformulate or t > t_end:
                return t
            cur = self._next_form(intent, cur)
            t += rng.uniform(4, 90)
        return t

    def _carry(self, typed: str) -> str | None:
        """The query on click/cart/order rows: usually there, sometimes left for attribution."""
        return None if self.rng.random() < self.null_query_share else typed

    def _pick_intent(self) -> Intent:
        r = self.rng.random() * self.intent_cum[-1]
        return self.intents[min(bisect.bisect_right(self.intent_cum, r), len(self.intents) - 1)]

    def run(self) -> Events:
        rng = self.rng
        window = self.days * 86400.0
        max_sessions = max(1, int(window // (2 * _MIN_GAP_BETWEEN_SESSIONS_S)))
        taken: set[str] = set()
        for user in range(self.n_users):
            uid = f"u{rng.getrandbits(40):010x}"
            while uid in taken:
                uid = f"u{rng.getrandbits(40):010x}"
            taken.add(uid)
            self.user_ids.append(uid)
            k = min(max_sessions, 1 + int(rng.expovariate(1 / 1.4)))
            slot = window / k
            for s in range(k):
                # Each session sits in its own slot, ending >= 40 minutes before the next slot.
                start = s * slot + rng.uniform(0, slot - _MIN_GAP_BETWEEN_SESSIONS_S)
                session = len(self.session_ids)
                sid = None if rng.random() < self.null_session_share else f"{rng.getrandbits(32):08x}-{session:06x}"
                self.session_ids.append(sid)
                t, t_end = start, start + _SESSION_CAP_S
                r = rng.random()
                n_tasks = 1 if r < 0.72 else 2 if r < 0.92 else 3
                for _ in range(n_tasks):
                    t = self._task(self._pick_intent(), t, user, session, t_end)
                    if t > t_end:
                        break
                    t += rng.uniform(30, 480)
        return self.ev
