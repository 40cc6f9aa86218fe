"""Relevance from label-token probabilities with a transformers model (training side).

One forward pass per batch: the relevance prompt + generation prompt (token ids from
:class:`qrw.prompting.PromptBuilder`, as the engines render them), and the softmax over
the three label tokens at the last position. No text is generated or parsed. The ``hf``
engine scores with :func:`label_probs_for_prompts` too, so the tagging accuracy recorded
in ``qrw_model.json`` (which gates ``qrw rewrite``) comes from the scorer that serves
(the vLLM engine is checked against the hf one in tests/engine).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..prompts import RELEVANCE_LABELS, relevance_from_probs

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


def label_probs_for_prompts(model: PreTrainedModel, prompts: list[list[int]], label_ids: dict[int, int], pad_id: int, batch_size: int = 64) -> list[dict[int, float]]:
    """grade -> probability (softmax over the label tokens only) at the last position of each prompt.

    THE transformers label scorer: training's tagging accuracy (which gates ``qrw rewrite``)
    and the ``hf`` engine's ``score()`` both run it, on prompt ids from the one
    :class:`qrw.prompting.PromptBuilder`. Left padding; positions start at 0 on the first
    real token, as in training.
    """
    import torch

    from ..prompting import label_probs_from_logprobs

    if not prompts:
        return []
    grades = list(label_ids)
    device = next(model.parameters()).device
    cols = torch.tensor([label_ids[g] for g in grades], device=device)
    out: list[dict[int, float]] = []
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(prompts), max(1, batch_size)):
            chunk = prompts[start : start + max(1, batch_size)]
            width = max(len(p) for p in chunk)
            ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for i, p in enumerate(chunk):
                if p:
                    ids[i, width - len(p) :] = torch.tensor(p, dtype=torch.long)
                    mask[i, width - len(p) :] = 1
            position_ids = (mask.cumsum(-1) - 1).clamp(min=0)
            with torch.inference_mode():
                logits = model(input_ids=ids.to(device), attention_mask=mask.to(device), position_ids=position_ids.to(device)).logits[:, -1].float()
            rows = torch.log_softmax(logits, dim=-1)[:, cols].cpu().tolist()
            out.extend(label_probs_from_logprobs(dict(zip(grades, row))) for row in rows)
    finally:
        model.train(was_training)
    return out


def prompt_builder(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase):
    """The engines' prompt renderer for a training-side model (its context length bounds the prompt)."""
    from ..prompting import PromptBuilder

    max_len = int(getattr(model.config, "max_position_embeddings", None) or tokenizer.model_max_length or 256)
    return PromptBuilder(tokenizer, "the model", max_len, 1)


def label_probs(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, pairs: list[tuple[str, str]], batch_size: int = 64
) -> list[dict[int, float]]:
    """grade -> probability (renormalized over the label tokens) for each (query, rewrite)."""
    if not pairs:
        return []
    builder = prompt_builder(model, tokenizer)
    pad = tokenizer.pad_token_id
    pad_id = pad if pad is not None else builder.stop_ids[0]
    return label_probs_for_prompts(model, builder.relevance_prompts(list(pairs)), builder.label_ids, pad_id, batch_size)


def relevance_scores(model, tokenizer, pairs: list[tuple[str, str]], batch_size: int = 64) -> list[float]:
    """Expected relevance in [0, 1] (qrw.prompts.relevance_from_probs) per pair."""
    return [relevance_from_probs(p) for p in label_probs(model, tokenizer, pairs, batch_size)]


def tagging_accuracy(model, tokenizer, rows: list[dict], batch_size: int = 64) -> dict:
    """Accuracy of argmax over the label tokens on (query, rewrite, grade) rows, vs always guessing the majority grade."""
    rows = [r for r in rows if r.get("grade") in RELEVANCE_LABELS]
    if not rows:
        return {}
    return tagging_metrics(label_probs(model, tokenizer, [(r["query"], r["rewrite"]) for r in rows], batch_size), rows)


def tagging_metrics(probs: list[dict[int, float]], rows: list[dict]) -> dict:
    """The tagging numbers a manifest records, from any scorer's label probabilities over ``rows`` (same order)."""
    import math
    from collections import Counter

    from ..eval.metrics import roc_auc

    predicted = [max(p, key=p.get) for p in probs]
    gold = [int(r["grade"]) for r in rows]
    counts = Counter(gold)
    majority_grade, majority_n = counts.most_common(1)[0]
    correct = sum(p == g for p, g in zip(predicted, gold))
    auc = roc_auc([relevance_from_probs(p) for p in probs], [g == 2 for g in gold])
    return {
        "relevance_accuracy": round(correct / len(rows), 4),
        "majority_rate": round(majority_n / len(rows), 4),
        "majority_grade": majority_grade,
        # Does the expected relevance rank same-intent rewrites (grade 2) above the rest? (None: one class only)
        "relevance_auc": None if math.isnan(auc) else round(auc, 4),
        "relevance_eval_rows": len(rows),
        "grade_counts": {str(g): counts[g] for g in sorted(counts)},
        "predicted_counts": {str(g): predicted.count(g) for g in sorted(RELEVANCE_LABELS)},
    }
