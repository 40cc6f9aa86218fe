"""Prompt token ids and relevance label ids for any transformers tokenizer: the one place the
engines (vllm, hf) and training (tokenizer checks, tagging accuracy) render prompts.

Why here, below both ``qrw.engine`` and ``qrw.train``: training must not depend on the
inference engines, yet both must agree on the label token ids and on the exact prompt ids.

Why token ids (not text): both engines then see byte-identical prompts, the shared
system-prompt prefix is literally the same ids (so vLLM's prefix cache hits), and
the length guard below can be exact.

The length guard: ``qrw.prompts`` bounds a query to 128 characters, but 128
characters of CJK or rare symbols can be 3+ tokens each, and the prompt plus the
completion must fit ``max_model_len`` or vLLM rejects the whole batch. Prompts
that do not fit get their query (and rewrite) text cut until they do.
"""

from __future__ import annotations

import math

from .errors import QrwError
from .prompts import RELEVANCE_LABELS, prompt_query, relevance_messages, rewrite_messages


def check_chat_template(tokenizer, model_dir: str) -> None:
    if not getattr(tokenizer, "chat_template", None):
        raise QrwError(
            f"the tokenizer in {model_dir} has no chat template; prompts are rendered with it. "
            "Build the model with `qrw train bootstrap`/`qrw train sft` (they save one), or add "
            "a ChatML `chat_template` to tokenizer_config.json"
        )


def label_token_ids(tokenizer, model_dir: str = "the model") -> dict[int, int]:
    """grade -> token id of its label, checking each label is ONE token in this tokenizer."""
    ids: dict[int, int] = {}
    for grade, label in RELEVANCE_LABELS.items():
        enc = tokenizer.encode(label, add_special_tokens=False)
        if len(enc) != 1:
            raise QrwError(
                f"relevance label {label!r} is {len(enc)} tokens ({enc}) in the tokenizer of {model_dir}; "
                "relevance is read from one decoding step, so every label in qrw.prompts.RELEVANCE_LABELS "
                "must be a single token: use a tokenizer that keeps digits single (Qwen-style)"
            )
        unk = getattr(tokenizer, "unk_token_id", None)
        if unk is not None and enc[0] == unk:
            raise QrwError(
                f"relevance label {label!r} is unknown to the tokenizer of {model_dir} (encodes to the unk token); "
                "the model cannot emit it: use a tokenizer whose vocabulary has the digits 0-2"
            )
        ids[grade] = enc[0]
    if len(set(ids.values())) != len(ids):
        raise QrwError(f"relevance labels share a token id in {model_dir}: {ids}")
    return ids


def stop_token_ids(tokenizer) -> list[int]:
    """End-of-turn ids: ``<|im_end|>`` (ChatML) and the tokenizer's eos, when they exist."""
    ids = []
    for tok in ("<|im_end|>", "<|endoftext|>", tokenizer.eos_token):
        if tok is None:
            continue
        tid = tokenizer.convert_tokens_to_ids(tok)
        unk = getattr(tokenizer, "unk_token_id", None)
        if isinstance(tid, int) and tid >= 0 and tid != unk and tid not in ids:
            ids.append(tid)
    return ids


def label_probs_from_logprobs(logprobs: dict[int, float]) -> dict[int, float]:
    """Softmax over the label tokens only: grade -> probability (sums to 1)."""
    finite = {g: lp for g, lp in logprobs.items() if lp is not None and math.isfinite(lp)}
    if not finite:
        return {g: 1.0 / len(logprobs) for g in logprobs} if logprobs else {}
    top = max(finite.values())
    exp = {g: (math.exp(finite[g] - top) if g in finite else 0.0) for g in logprobs}
    total = sum(exp.values())
    return {g: v / total for g, v in exp.items()}


class PromptBuilder:
    """Renders the task prompts to token ids with the model's chat template, within the length budget."""

    def __init__(self, tokenizer, model_dir: str, max_model_len: int, max_new_tokens: int) -> None:
        check_chat_template(tokenizer, model_dir)
        self.tokenizer = tokenizer
        self.model_dir = model_dir
        #: Longest prompt: the completion (rewrite or one label token) must fit after it.
        self.max_prompt_tokens = max_model_len - max(max_new_tokens, 1)
        if self.max_prompt_tokens <= 0:
            raise QrwError(f"engine.max_model_len={max_model_len} leaves no room for the prompt; raise it")
        self.label_ids = label_token_ids(tokenizer, model_dir)
        self.stop_ids = stop_token_ids(tokenizer)

    def _render(self, messages_list: list[list[dict[str, str]]]) -> list[list[int]]:
        texts = [
            self.tokenizer.apply_chat_template(m, tokenize=False, add_generation_prompt=True) for m in messages_list
        ]
        return [list(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]

    def _fit(self, ids: list[int], parts: tuple[str, ...], make) -> list[int]:
        """Cut the free-text parts until the rendered prompt fits (halving, then the empty text)."""
        parts = tuple(prompt_query(p) for p in parts)
        while len(ids) > self.max_prompt_tokens:
            if not any(parts):
                raise QrwError(
                    f"the prompt template alone is {len(ids)} tokens, over engine.max_model_len minus "
                    f"max_new_tokens ({self.max_prompt_tokens}); raise engine.max_model_len"
                )
            parts = tuple(p[: len(p) // 2].strip() for p in parts)
            ids = self._render([make(*parts)])[0]
        return ids

    def rewrite_prompts(self, queries: list[str]) -> list[list[int]]:
        rendered = self._render([rewrite_messages(q) for q in queries])
        return [self._fit(ids, (q,), rewrite_messages) for ids, q in zip(rendered, queries)]

    def relevance_prompts(self, pairs: list[tuple[str, str]]) -> list[list[int]]:
        rendered = self._render([relevance_messages(q, r) for q, r in pairs])
        return [self._fit(ids, (q, r), relevance_messages) for ids, (q, r) in zip(rendered, pairs)]

    def decode(self, token_ids: list[int]) -> str:
        return self.tokenizer.decode(token_ids, skip_special_tokens=True)
