"""Model directories: build a fresh Qwen2, load a base with checks, save one vLLM can serve.

One place for these so that bootstrap, SFT, GRPO, the tests and the benchmark all
produce the same kind of directory: safetensors weights, tokenizer with a chat
template, ``generation_config.json`` whose eos is ``<|im_end|>``, ``qrw_model.json``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import ModelSizeSection, TrainSection
from ..errors import QrwError
from .tokenizer import EOT, IM_END, check_chat_template, label_token_ids

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


def setup_torch(cfg: TrainSection) -> None:
    """Few threads (shared machine) and one seed for every stage."""
    import torch
    from transformers import set_seed

    torch.set_num_threads(cfg.torch_threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    set_seed(cfg.seed)


def use_cpu(cfg: TrainSection) -> bool:
    """TrainingArguments.use_cpu: forced by ``device=cpu`` or when no CUDA device is present."""
    import torch

    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise QrwError("train.device=cuda but no CUDA device is visible; use --set train.device=auto")
    return cfg.device == "cpu" or not torch.cuda.is_available()


def init_model(
    tokenizer: PreTrainedTokenizerBase, size: ModelSizeSection | None = None, seed: int = 0, init_range: float = 0.02
) -> PreTrainedModel:
    """A randomly initialised Qwen2 decoder sized for ``tokenizer`` (tied embeddings, float32).

    ``init_range`` is the weight init std; tests raise it so a random model gives prompts
    clearly different next-token distributions.
    """
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    size = size or ModelSizeSection()
    if size.hidden_size % size.num_heads or size.num_heads % size.num_kv_heads:
        raise QrwError(
            f"model size: hidden_size {size.hidden_size} must divide by num_heads {size.num_heads}, "
            f"and num_heads by num_kv_heads {size.num_kv_heads}"
        )
    eot = tokenizer.convert_tokens_to_ids(EOT)
    im_end = tokenizer.convert_tokens_to_ids(IM_END)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=size.hidden_size,
        intermediate_size=size.intermediate_size,
        num_hidden_layers=size.num_layers,
        num_attention_heads=size.num_heads,
        num_key_value_heads=size.num_kv_heads,
        max_position_embeddings=size.max_position,
        tie_word_embeddings=True,
        bos_token_id=eot,
        eos_token_id=im_end,
        pad_token_id=eot,
        initializer_range=init_range,
        torch_dtype="float32",
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config).to(torch.float32)
    model.generation_config = GenerationConfig(bos_token_id=eot, eos_token_id=im_end, pad_token_id=eot)
    return model


REQUIRED_FILES = ("config.json",)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json")


def check_model_dir(path: str | Path) -> Path:
    """Fail with what is missing (not a deep transformers stack trace) before loading anything."""
    path = Path(path)
    if not path.is_dir():
        raise QrwError(f"model directory {path} does not exist; train one with `qrw train bootstrap` or `qrw train sft`")
    missing = [f for f in REQUIRED_FILES if not (path / f).exists()]
    if not any(path.glob("*.safetensors")) and not any(path.glob("*.bin")):
        missing.append("weights (*.safetensors)")
    if not any((path / f).exists() for f in TOKENIZER_FILES):
        missing.append("tokenizer (tokenizer.json)")
    if missing:
        raise QrwError(
            f"model directory {path} is incomplete: missing {', '.join(missing)}; "
            "point to a complete Hugging Face model folder (or re-run the training stage that writes it)"
        )
    return path


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase:
    """Tokenizer with a chat template, single-token labels, a pad token and left padding."""
    from transformers import AutoTokenizer

    path = check_model_dir(path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    check_chat_template(tokenizer, str(path))
    label_token_ids(tokenizer)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer


def load_model(path: str | Path, *, trainable: bool = True) -> PreTrainedModel:
    """Causal LM in float32; ``trainable=False`` gives a frozen eval-mode copy (the reward scorer)."""
    import torch
    from transformers import AutoModelForCausalLM

    path = check_model_dir(path)
    try:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    except (OSError, ValueError) as exc:
        raise QrwError(f"could not load the model in {path}: {exc}") from exc
    if not trainable:
        model.eval()
        model.requires_grad_(False)
    return model


def save_model_dir(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out: str | Path, **manifest: Any) -> Path:
    """Write weights (safetensors), tokenizer, generation config (eos = ``<|im_end|>``) and the manifest."""
    from ..manifest import write_manifest
    from ..prompts import PROMPT_VERSION

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    im_end = tokenizer.convert_tokens_to_ids(IM_END)
    gen = model.generation_config
    if im_end is not None and im_end != tokenizer.unk_token_id:
        eos = gen.eos_token_id if isinstance(gen.eos_token_id, list) else [gen.eos_token_id]
        gen.eos_token_id = im_end if eos in ([None], [im_end]) else [im_end, *[e for e in eos if e not in (None, im_end)]]
    if gen.pad_token_id is None:
        gen.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    manifest.setdefault("prompt_version", PROMPT_VERSION)
    write_manifest(out, **manifest)
    return out


def param_count(model: PreTrainedModel) -> int:
    return sum(p.numel() for p in model.parameters())
