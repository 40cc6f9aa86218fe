"""A tiny, random-init Qwen2 model directory in seconds, for tests and benchmarks.

Why: every engine test (and the batch job's tests) needs a *real* model directory
that vLLM and transformers both load — tokenizer with a ChatML chat template,
safetensors weights, a generation config whose eos is ``<|im_end|>`` and a
``qrw_model.json`` manifest — without downloading anything. It is built by the same
code as the trained models (``qrw.train.tokenizer`` and ``qrw.train.modeling``), only
without pretraining: the weights are random (larger init than usual, so label
probabilities differ clearly between prompts and an engine-vs-engine comparison
means something); the text it generates is noise.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from ..prompts import RELEVANCE_GRADE_MEANING, SYSTEM_PROMPT, relevance_messages, rewrite_messages

_BRANDS = ["nike", "adidas", "apple", "samsung", "sony", "lego", "ikea", "puma", "bosch", "philips", "xiaomi", "lenovo"]
_ITEMS = [
    "running shoes", "sneakers", "t shirt", "hoodie", "phone case", "usb c cable", "headphones", "wireless earbuds",
    "laptop", "tablet", "coffee maker", "blender", "desk lamp", "backpack", "water bottle", "yoga mat",
    "kids toys", "building blocks", "smart watch", "charger", "rice cooker", "vacuum cleaner", "jeans", "jacket",
]
_ATTRS = ["men", "women", "kids", "black", "white", "red", "blue", "size 42", "2.5l", "128gb", "cheap", "waterproof",
          "cotton", "leather", "pro", "mini", "2024", "for men", "for women", "large", "small", "3 pack"]


def product_corpus(n: int = 600, seed: int = 0) -> list[str]:
    """Product-title-like strings plus the prompt texts, so the tokenizer learns both."""
    rng = random.Random(seed)
    lines = [f"{b} {i}" for b, i in itertools.product(_BRANDS, _ITEMS)]
    while len(lines) < n:
        lines.append(" ".join([rng.choice(_BRANDS), rng.choice(_ATTRS), rng.choice(_ITEMS), rng.choice(_ATTRS)]))
    for q in lines[:50]:
        for msg in rewrite_messages(q) + relevance_messages(q, lines[-1]):
            lines.append(msg["content"])
    lines.append(SYSTEM_PROMPT)
    lines.extend(["system", "user", "assistant"])
    lines.extend(RELEVANCE_GRADE_MEANING.values())
    return lines


def build_tiny_model(out_dir: str | Path, *, seed: int = 0, init_range: float = 0.2, model_version: str | None = None) -> str:
    """Write a tiny random Qwen2 model directory (tokenizer, weights, generation config, manifest); return its path.

    Takes a couple of seconds. ``init_range`` is well above the usual 0.02 so that
    prompts get visibly different next-token distributions. Head size 32
    (128 / 4): vLLM's CPU attention supports 32, 64, 80, ... but not 16.
    """
    from ..config import ModelSizeSection
    from ..train.modeling import init_model, save_model_dir
    from ..train.tokenizer import train_tokenizer

    tokenizer = train_tokenizer(product_corpus(seed=seed), vocab_size=800)
    size = ModelSizeSection(hidden_size=128, intermediate_size=256, num_layers=2, num_heads=4, num_kv_heads=2, max_position=256)
    model = init_model(tokenizer, size, seed=seed, init_range=init_range)
    out = save_model_dir(model, tokenizer, out_dir, kind="tiny-random", **({"model_version": model_version} if model_version else {}))
    return str(out)
