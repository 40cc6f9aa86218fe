"""A tiny, random-init Qwen2 model directory in seconds, for tests and benchmarks.

Why: every engine test (and the batch job's tests) needs a *real* model directory
that vLLM and transformers both load — tokenizer with a ChatML chat template,
safetensors weights, a generation config whose eos is ``<|im_end|>`` and a
``qrw_model.json`` manifest — without downloading anything. The weights are random
(larger init than usual, so label probabilities differ clearly between prompts and
an engine-vs-engine comparison means something); the text it generates is noise.

``qrw.train.bootstrap`` builds the real (pretrained) small model; this one only
has the same *shape* of directory.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from ..prompts import RELEVANCE_GRADE_MEANING, RELEVANCE_LABELS, SYSTEM_PROMPT, relevance_messages, rewrite_messages

IM_START, IM_END, EOT = "<|im_start|>", "<|im_end|>", "<|endoftext|>"

#: ChatML (the Qwen2 format): what both engines render prompts with.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)

QWEN2_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

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


def build_tokenizer(corpus: list[str], vocab_size: int = 800):
    """Byte-level BPE (any UTF-8 input encodes, emoji and control chars included) wrapped for transformers."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    # Exactly Qwen2's normalizer and pre-tokenizer: transformers loads a qwen2 model
    # dir with Qwen2Tokenizer, which rebuilds them, so train with the same ones.
    # Digits stay single (\p{N}), so the relevance labels "0"/"1"/"2" are single tokens.
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOT, IM_START, IM_END],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=IM_END,
        pad_token=EOT,
        unk_token=None,
        chat_template=CHATML_TEMPLATE,
        model_max_length=256,
    )
    for label in RELEVANCE_LABELS.values():
        ids = fast.encode(label, add_special_tokens=False)
        assert len(ids) == 1, f"label {label!r} is not a single token: {ids}"
    return fast


def build_tiny_model(out_dir: str | Path, *, seed: int = 0, init_range: float = 0.2, model_version: str | None = None) -> str:
    """Write a tiny random Qwen2 model directory (tokenizer, weights, generation config, manifest); return its path.

    Takes a couple of seconds. ``init_range`` is well above the usual 0.02 so that
    prompts get visibly different next-token distributions.
    """
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    from ..manifest import write_manifest
    from ..prompts import PROMPT_VERSION

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(product_corpus(seed=seed))
    im_end = tokenizer.convert_tokens_to_ids(IM_END)
    eot = tokenizer.convert_tokens_to_ids(EOT)
    config = Qwen2Config(
        # head_dim = 128 / 4 = 32: vLLM's CPU attention supports head sizes 32, 64, 80, ... (not 16).
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        vocab_size=len(tokenizer),
        tie_word_embeddings=True,
        initializer_range=init_range,
        bos_token_id=eot,
        eos_token_id=im_end,
        pad_token_id=eot,
        torch_dtype="float32",
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config).to(torch.float32)
    model.generation_config = GenerationConfig(bos_token_id=eot, eos_token_id=im_end, pad_token_id=eot)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    write_manifest(
        out,
        kind="tiny-random",
        prompt_version=PROMPT_VERSION,
        **({"model_version": model_version} if model_version else {}),
    )
    return str(out)
