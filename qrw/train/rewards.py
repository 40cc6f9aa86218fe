"""The GRPO reward parts, written once: relevance, conversion, rules, and their fusion.

Each part is a TRL reward function (``__call__(prompts, completions, **columns)``
returning one float per completion, named by ``__name__`` so TRL logs it as
``rewards/<name>/mean``). Fusion is TRL's ``reward_weights``; :func:`fuse` is the
same weighted sum for the before/after evaluation.

- relevance: a tagger that does not move with the policy scores (query, rewrite); reward =
  expected grade / 2. It guards the intent: a rewrite that retrieves well but changes what
  the shopper wants scores low. Either the separate relevance model
  (``train.grpo.relevance_scorer``, :mod:`qrw.relevance_model`; the demo's choice) or a
  FROZEN copy of the SFT model reading its label-token probabilities. Why the first: on
  data where SFT tagging is near chance (issue #11's large world) the policy learns to
  please the frozen copy (digit strings at relevance ~0.6); a model that sees only
  lexical features of the two strings cannot be flattered that way.
- conversion: offline search-engine feedback. BM25 over the catalog (index built once)
  retrieves top-K for the rewrite; reward = weighted NDCG@K of the products users
  engaged with for that query (orders > add-to-carts > clicks).
- rules: 1 for a usable rewrite (:mod:`qrw.usable`, the rule the batch job keeps rewrites
  by: one line, bounded, no prompt echo, letters, no repetition, not a relevance label,
  differs from the query after normalize()), else 0, so GRPO pays nothing for a degenerate one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..config import GrpoSection
from ..normalize import normalize
from ..usable import why_unusable

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

REWARD_NAMES = ("relevance", "conversion", "rules")

def completion_text(completion: Any) -> str:
    """The rewrite in a TRL completion: a message list (conversational) or a plain string."""
    if isinstance(completion, list):
        return "".join(m.get("content", "") for m in completion if isinstance(m, dict))
    return str(completion or "")


def rule_violation(query: str, rewrite: str, max_chars: int = 80, max_words: int = 12) -> str | None:
    """Why ``rewrite`` is unusable, or None: the batch job's rule (:func:`qrw.usable.why_unusable`), on the raw completion."""
    return why_unusable(query, rewrite, max_chars, max_words)


class RulesReward:
    """1.0 for a usable rewrite, 0.0 otherwise (see :func:`rule_violation`)."""

    __name__ = "rules"

    def __init__(self, max_chars: int = 80, max_words: int = 12):
        self.max_chars, self.max_words = max_chars, max_words

    def score(self, queries: Sequence[str], rewrites: Sequence[str]) -> list[float]:
        return [0.0 if rule_violation(q, r, self.max_chars, self.max_words) else 1.0 for q, r in zip(queries, rewrites)]

    def gate(self, queries: Sequence[str] | None, rewrites: Sequence[str], scores: Sequence[float]) -> list[float]:
        """``scores`` with 0 for every unusable rewrite: a degenerate completion earns no reward at all."""
        if queries is None:
            return list(scores)
        return [s * u for s, u in zip(scores, self.score(queries, rewrites))]

    def __call__(self, prompts, completions, query, **_) -> list[float]:
        return self.score(query, [completion_text(c) for c in completions])


class ConversionReward:
    """Weighted NDCG@K of the query's engaged products in the BM25 top-K for the rewrite.

    gain(product) = w_orders * orders + w_add_to_carts * add_to_carts + w_clicks * clicks,
    normalized by the ideal ordering of the engaged products, so the reward is in [0, 1]
    and a rewrite that surfaces the ordered product first beats one that surfaces a
    product that was only clicked. Retrieval is qrw.offline_search.OfflineSearch (the one
    offline search engine, also used by evaluation), indexed once from catalog.jsonl.
    """

    __name__ = "conversion"

    def __init__(self, catalog: Sequence[dict], k: int = 10, gains: tuple[float, float, float] = (3.0, 2.0, 1.0), rules: RulesReward | None = None):
        from ..errors import QrwError
        from ..offline_search import OfflineSearch

        if not catalog:
            raise QrwError("the conversion reward needs a non-empty catalog (catalog.jsonl)")
        self.search = OfflineSearch((str(r["product_id"]), r.get("text") or "") for r in catalog)
        self.k = min(k, len(catalog))
        self.gains = gains
        self.rules = rules

    def retrieve(self, texts: Sequence[str]) -> list[list[str]]:
        """Top-K product ids per text (only documents with a positive BM25 score)."""
        return self.search.search(list(texts), k=self.k)

    def gain(self, product: dict) -> float:
        w_o, w_c, w_k = self.gains
        return w_o * (product.get("orders") or 0) + w_c * (product.get("add_to_carts") or 0) + w_k * (product.get("clicks") or 0)

    def ndcg(self, retrieved: Sequence[str], products: Sequence[dict]) -> float:
        gains = {str(p["product_id"]): self.gain(p) for p in products}
        ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[: self.k]
        if not ideal:
            return 0.0
        dcg = sum(gains.get(pid, 0.0) / math.log2(rank + 2) for rank, pid in enumerate(retrieved[: self.k]))
        idcg = sum(g / math.log2(rank + 2) for rank, g in enumerate(ideal))
        return dcg / idcg

    def score(self, rewrites: Sequence[str], products: Sequence[Sequence[dict]]) -> list[float]:
        return [self.ndcg(hits, prods) for hits, prods in zip(self.retrieve(rewrites), products)]

    def __call__(self, prompts, completions, products, query=None, **_) -> list[float]:
        rewrites = [completion_text(c) for c in completions]
        scores = self.score(rewrites, products)
        return self.rules.gate(query, rewrites, scores) if self.rules else scores


class RelevanceReward:
    """Expected relevance grade / 2 of (query, rewrite), from a frozen relevance-tagging model."""

    __name__ = "relevance"

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, batch_size: int = 64, rules: RulesReward | None = None):
        model.eval()
        model.requires_grad_(False)
        self.model, self.tokenizer, self.batch_size, self.rules = model, tokenizer, batch_size, rules

    def score(self, queries: Sequence[str], rewrites: Sequence[str]) -> list[float]:
        from .scoring import relevance_scores

        keep = [i for i, r in enumerate(rewrites) if normalize(r)]
        out = [0.0] * len(rewrites)  # an empty rewrite keeps no intent
        if keep:
            scores = relevance_scores(self.model, self.tokenizer, [(queries[i], rewrites[i]) for i in keep], self.batch_size)
            for i, s in zip(keep, scores):
                out[i] = s
        return out

    def __call__(self, prompts, completions, query, **_) -> list[float]:
        rewrites = [completion_text(c) for c in completions]
        scores = self.score(query, rewrites)
        return self.rules.gate(query, rewrites, scores) if self.rules else scores


class ModelRelevanceReward:
    """Expected relevance grade / 2 of (query, rewrite), from a relevance model (``qrw train relevance``).

    The same name, range and gate as :class:`RelevanceReward`, so TRL logs it as
    ``rewards/relevance/mean`` and fusion is unchanged; only the judge differs.
    """

    __name__ = "relevance"

    def __init__(self, model_dir: str, rules: RulesReward | None = None):
        from ..relevance_model import load

        self.classifier, manifest = load(model_dir)
        self.model_dir, self.model_version, self.rules = str(model_dir), manifest.get("model_version"), rules

    def score(self, queries: Sequence[str], rewrites: Sequence[str]) -> list[float]:
        from ..prompts import relevance_from_probs
        from ..relevance_model import label_probs

        keep = [i for i, r in enumerate(rewrites) if normalize(r)]
        out = [0.0] * len(rewrites)  # an empty rewrite keeps no intent
        for i, probs in zip(keep, label_probs(self.classifier, [(queries[i], rewrites[i]) for i in keep])):
            out[i] = relevance_from_probs(probs)
        return out

    def __call__(self, prompts, completions, query, **_) -> list[float]:
        rewrites = [completion_text(c) for c in completions]
        scores = self.score(query, rewrites)
        return self.rules.gate(query, rewrites, scores) if self.rules else scores


def reward_weights(cfg: GrpoSection) -> dict[str, float]:
    return {name: float(getattr(cfg.weights, name)) for name in REWARD_NAMES}


def fuse(parts: dict[str, Sequence[float]], weights: dict[str, float]) -> list[float]:
    """The fused reward: sum of weight * part (what TRL computes from ``reward_weights``)."""
    n = len(next(iter(parts.values())))
    return [sum(weights[name] * parts[name][i] for name in weights) for i in range(n)]


def build_rewards(cfg: GrpoSection, scorer_model, tokenizer, catalog: Sequence[dict]) -> list:
    """The reward functions in REWARD_NAMES order (matching :func:`reward_weights`).

    The relevance part is ``cfg.relevance_scorer``'s relevance model when set (then
    ``scorer_model`` and ``tokenizer`` may be None), else the frozen LLM ``scorer_model``.

    Relevance and conversion are gated by the rules: an unusable rewrite (a label token, a
    repetition, an echo...) is worth 0 in every part, since the batch job would drop it.
    """
    rules = RulesReward(cfg.max_rewrite_chars, cfg.max_rewrite_words)
    return [
        ModelRelevanceReward(cfg.relevance_scorer, rules=rules)
        if cfg.relevance_scorer
        else RelevanceReward(scorer_model, tokenizer, cfg.scorer_batch_size, rules=rules),
        ConversionReward(catalog, cfg.retrieval_k, (cfg.gain_orders, cfg.gain_add_to_carts, cfg.gain_clicks), rules=rules),
        rules,
    ]


def score_all(rewards: list, queries: Sequence[str], rewrites: Sequence[str], products: Sequence[Sequence[dict]]) -> dict[str, list[float]]:
    """Every part for (query, rewrite, products) triples, outside TRL (evaluation)."""
    completions = [[{"role": "assistant", "content": r}] for r in rewrites]
    return {
        fn.__name__: list(fn(prompts=[None] * len(rewrites), completions=completions, query=list(queries), products=list(products)))
        for fn in rewards
    }
