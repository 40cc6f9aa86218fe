"""Relevance from label-token probabilities with a transformers model (training side).

One forward pass per batch: the relevance prompt + generation prompt, and the
softmax over the three label tokens at the last position. No text is generated
or parsed, so a model that would "answer" with extra words is scored the same way
the batch job's engines score it (``qrw.engine``), from the same prompts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..prompts import RELEVANCE_LABELS, relevance_from_probs, relevance_messages
from .tokenizer import label_token_ids

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


def render_prompts(tokenizer: PreTrainedTokenizerBase, conversations: list[list[dict]]) -> list[str]:
    return [tokenizer.apply_chat_template(m, add_generation_prompt=True, tokenize=False) for m in conversations]


def label_probs(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, pairs: list[tuple[str, str]], batch_size: int = 64
) -> list[dict[int, float]]:
    """grade -> probability (renormalized over the label tokens) for each (query, rewrite)."""
    import torch

    ids = label_token_ids(tokenizer)
    grades = list(ids)
    label_ids = torch.tensor([ids[g] for g in grades])
    device = next(model.parameters()).device
    out: list[dict[int, float]] = []
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(pairs), batch_size):
            chunk = pairs[start : start + batch_size]
            texts = render_prompts(tokenizer, [relevance_messages(q, r) for q, r in chunk])
            enc = tokenizer(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
            mask = enc["attention_mask"].to(device)
            # Left padding: positions must start at 0 on the first real token, as in training.
            position_ids = (mask.cumsum(-1) - 1).clamp(min=0)
            with torch.inference_mode():
                logits = model(input_ids=enc["input_ids"].to(device), attention_mask=mask, position_ids=position_ids).logits
            probs = torch.softmax(logits[:, -1, label_ids.to(device)].float(), dim=-1).cpu()
            out.extend({g: float(p[i]) for i, g in enumerate(grades)} for p in probs)
    finally:
        model.train(was_training)
    return out


def relevance_scores(model, tokenizer, pairs: list[tuple[str, str]], batch_size: int = 64) -> list[float]:
    """Expected relevance in [0, 1] (qrw.prompts.relevance_from_probs) per pair."""
    return [relevance_from_probs(p) for p in label_probs(model, tokenizer, pairs, batch_size)]


def tagging_accuracy(model, tokenizer, rows: list[dict], batch_size: int = 64) -> dict:
    """Accuracy of argmax over the label tokens on (query, rewrite, grade) rows, vs always guessing the majority grade."""
    from collections import Counter

    rows = [r for r in rows if r.get("grade") in RELEVANCE_LABELS]
    if not rows:
        return {}
    probs = label_probs(model, tokenizer, [(r["query"], r["rewrite"]) for r in rows], batch_size)
    predicted = [max(p, key=p.get) for p in probs]
    gold = [int(r["grade"]) for r in rows]
    counts = Counter(gold)
    majority_grade, majority_n = counts.most_common(1)[0]
    correct = sum(p == g for p, g in zip(predicted, gold))
    return {
        "relevance_accuracy": round(correct / len(rows), 4),
        "majority_rate": round(majority_n / len(rows), 4),
        "majority_grade": majority_grade,
        "relevance_eval_rows": len(rows),
        "grade_counts": {str(g): counts[g] for g in sorted(counts)},
        "predicted_counts": {str(g): predicted.count(g) for g in sorted(RELEVANCE_LABELS)},
    }
