"""Prompt rendering, label-token resolution and the tiny-model builder: the pieces both real engines share."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from qrw.prompting import PromptBuilder, label_probs_from_logprobs, label_token_ids
from qrw.errors import QrwError
from qrw.prompts import RELEVANCE_LABELS, SYSTEM_PROMPT, relevance_from_probs


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


def test_tiny_model_dir_is_complete(tiny_model_dir):
    d = Path(tiny_model_dir)
    for name in ("config.json", "model.safetensors", "generation_config.json", "tokenizer.json", "qrw_model.json"):
        assert (d / name).exists(), name
    manifest = json.loads((d / "qrw_model.json").read_text())
    assert manifest["model_version"] and manifest["prompt_version"]
    gen = json.loads((d / "generation_config.json").read_text())
    config = json.loads((d / "config.json").read_text())
    assert config["tie_word_embeddings"] is True
    assert config["hidden_size"] // config["num_attention_heads"] in (32, 64)  # vLLM CPU attention head sizes
    assert gen["eos_token_id"] == config["eos_token_id"]


def test_tiny_tokenizer_matches_qwen2_pretokenizer():
    """transformers loads a qwen2 dir with Qwen2Tokenizer, which rebuilds the pre-tokenizer from this regex."""
    from transformers.models.qwen2 import tokenization_qwen2

    from qrw.train.tokenizer import SPLIT_PATTERN

    assert SPLIT_PATTERN == tokenization_qwen2.PRETOKENIZE_REGEX


def test_saved_tokenizer_round_trips(tiny_model_dir, tokenizer):
    from tokenizers import Tokenizer

    raw = Tokenizer.from_file(str(Path(tiny_model_dir) / "tokenizer.json"))
    text = "<|im_start|>assistant\n2<|im_end|> nike 128gb héllo 👟"
    assert raw.encode(text).ids == tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(tokenizer("héllo 👟 wörld")["input_ids"]) == "héllo 👟 wörld"


def test_label_ids_are_distinct_single_tokens(tokenizer):
    ids = label_token_ids(tokenizer)
    assert set(ids) == set(RELEVANCE_LABELS)
    for grade, tid in ids.items():
        assert tokenizer.decode([tid]) == RELEVANCE_LABELS[grade]


def test_multi_token_label_is_a_clear_error(tokenizer, monkeypatch):
    import qrw.prompting as prompting

    monkeypatch.setattr(prompting, "RELEVANCE_LABELS", {2: "exact match", 1: "1", 0: "0"})
    with pytest.raises(QrwError, match="single token"):
        prompting.label_token_ids(tokenizer, "tiny")


def test_label_missing_from_vocab_is_a_clear_error():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel({"[UNK]": 0, "shoes": 1}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]")
    with pytest.raises(QrwError, match="unknown to the tokenizer"):
        label_token_ids(wrapped, "words-only")


def test_model_dir_without_chat_template_is_a_clear_error(tiny_model_dir, tmp_path):
    from transformers import AutoTokenizer

    broken = tmp_path / "no-template"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "chat_template.jinja").unlink(missing_ok=True)
    cfg_path = broken / "tokenizer_config.json"
    tok_cfg = json.loads(cfg_path.read_text())
    tok_cfg.pop("chat_template", None)
    cfg_path.write_text(json.dumps(tok_cfg))
    tok = AutoTokenizer.from_pretrained(broken)
    with pytest.raises(QrwError, match="chat template"):
        PromptBuilder(tok, str(broken), 256, 12)


def test_prompts_share_the_system_prefix_and_end_with_the_assistant_turn(tokenizer):
    builder = PromptBuilder(tokenizer, "tiny", 256, 12)
    a, b = builder.rewrite_prompts(["nike running shoes", "lego"])
    prefix = tokenizer(f"<|im_start|>system\n{SYSTEM_PROMPT}<|im_end|>\n", add_special_tokens=False)["input_ids"]
    assert a[: len(prefix)] == prefix == b[: len(prefix)]
    tail = tokenizer("<|im_start|>assistant\n", add_special_tokens=False)["input_ids"]
    assert a[-len(tail) :] == tail
    rel = builder.relevance_prompts([("nike", "nike shoes")])[0]
    assert "Rewrite: nike shoes" in tokenizer.decode(rel)


def test_overlong_prompts_are_cut_to_fit_the_context(tokenizer):
    builder = PromptBuilder(tokenizer, "tiny", 256, 12)
    long_cjk = "耐克跑鞋" * 200  # ~3 byte-tokens a character: far over 256 tokens even after the 128-char cut
    (ids,) = builder.rewrite_prompts([long_cjk])
    assert len(ids) <= 256 - 12
    assert "耐克" in tokenizer.decode(ids)  # cut, not dropped
    (rel,) = builder.relevance_prompts([(long_cjk, long_cjk)])
    assert len(rel) <= 256 - 12


def test_context_too_small_for_the_template_is_a_clear_error(tokenizer):
    builder = PromptBuilder(tokenizer, "tiny", 40, 12)
    with pytest.raises(QrwError, match="max_model_len"):
        builder.rewrite_prompts(["shoes"])


def test_label_softmax_and_relevance_order():
    probs = label_probs_from_logprobs({2: math.log(0.2), 1: math.log(0.1), 0: math.log(0.1)})
    assert probs == pytest.approx({2: 0.5, 1: 0.25, 0: 0.25})
    high = relevance_from_probs(label_probs_from_logprobs({2: -0.1, 1: -3.0, 0: -5.0}))
    mid = relevance_from_probs(label_probs_from_logprobs({2: -3.0, 1: -0.1, 0: -3.0}))
    low = relevance_from_probs(label_probs_from_logprobs({2: -5.0, 1: -3.0, 0: -0.1}))
    assert 1 >= high > mid > low >= 0
    assert label_probs_from_logprobs({2: float("-inf"), 1: -1.0, 0: -1.0})[2] == 0.0


def test_training_never_imports_the_inference_engines():
    """qrw.train sits beside qrw.engine, not above it: prompts and label ids come from qrw.prompting."""
    import ast
    from pathlib import Path

    import qrw.train

    offenders = []
    for path in Path(qrw.train.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                name = ("." * node.level) + (node.module or "")
                if name in ("..engine", "qrw.engine") or name.startswith(("..engine.", "qrw.engine.")):
                    offenders.append(f"{path.name}: {name}")
            elif isinstance(node, ast.Import):
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("qrw.engine")]
    assert offenders == []
