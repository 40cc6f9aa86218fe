"""Tokenizer and model-directory building blocks (fast)."""

from __future__ import annotations

import json
import shutil

import pytest

from qrw.config import ModelSizeSection
from qrw.errors import QrwError
from qrw.prompts import PROMPT_VERSION, RELEVANCE_LABELS, relevance_messages, rewrite_messages
from qrw.train.modeling import check_model_dir, init_model, load_model, load_tokenizer, param_count, save_model_dir
from qrw.train.tokenizer import IM_END, label_token_ids, train_tokenizer

TEXTS = ["nike running shoes black", "adidas sneakers 42", "apple phone case 128gb", "sony headphones 2.5mm"] * 20


@pytest.fixture(scope="module")
def tok():
    return train_tokenizer(TEXTS, vocab_size=400)


def test_labels_and_digits_are_single_tokens(tok):
    ids = label_token_ids(tok)
    assert sorted(ids) == sorted(RELEVANCE_LABELS) and len(set(ids.values())) == 3
    assert [tok.decode([i]) for i in tok.encode("1942", add_special_tokens=False)] == ["1", "9", "4", "2"]


def test_any_utf8_round_trips(tok):
    text = "sneakers 😀 größe 42 \x07 鞋"
    assert tok.decode(tok.encode(text, add_special_tokens=False)) == text
    assert tok.unk_token_id is None


@pytest.mark.parametrize("messages", [relevance_messages("nike sneakers", "nike running shoes"), rewrite_messages("Nike Sneakers!")])
def test_prompt_is_a_token_prefix_of_prompt_plus_completion(tok, messages):
    """TRL's completion-only loss and the label-token scorer both rely on this."""
    prompt = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"]
    full = tok.apply_chat_template(messages + [{"role": "assistant", "content": "2"}], tokenize=True, return_dict=True)["input_ids"]
    assert full[: len(prompt)] == prompt
    assert full[len(prompt)] == label_token_ids(tok)[2]
    assert full[len(prompt) + 1] == tok.convert_tokens_to_ids(IM_END)


def test_too_small_vocab_is_a_clear_error():
    with pytest.raises(QrwError, match="vocab_size"):
        train_tokenizer(TEXTS, vocab_size=100)


def test_init_model_shape_fits_vllm_cpu(tok):
    size = ModelSizeSection()
    model = init_model(tok, size)
    assert model.config.hidden_size // model.config.num_attention_heads in (32, 64, 80, 96, 112, 128)
    assert model.config.vocab_size == len(tok)
    # "a few million" parameters with the default 4k vocabulary (tied embeddings).
    with_4k_vocab = param_count(model) + (4096 - len(tok)) * size.hidden_size
    assert 1_000_000 < with_4k_vocab < 10_000_000
    with pytest.raises(QrwError, match="num_heads"):
        init_model(tok, ModelSizeSection(hidden_size=100, num_heads=3))


def test_saved_dir_loads_back_with_eos_and_manifest(tok, tmp_path):
    model = init_model(tok, ModelSizeSection(hidden_size=64, intermediate_size=128, num_layers=1, num_heads=2, num_kv_heads=1))
    out = save_model_dir(model, tok, tmp_path / "m", kind="test")
    gen = json.loads((out / "generation_config.json").read_text())
    assert gen["eos_token_id"] == tok.convert_tokens_to_ids(IM_END)
    manifest = json.loads((out / "qrw_model.json").read_text())
    assert manifest["prompt_version"] == PROMPT_VERSION and manifest["model_version"].startswith("m-")
    assert any(out.glob("*.safetensors"))
    loaded = load_tokenizer(out)
    assert loaded.chat_template and loaded.padding_side == "left"
    assert param_count(load_model(out, trainable=False)) == param_count(model)


def test_missing_files_and_missing_chat_template_are_clear_errors(tok, tmp_path):
    model = init_model(tok, ModelSizeSection(hidden_size=64, intermediate_size=128, num_layers=1, num_heads=2, num_kv_heads=1))
    good = save_model_dir(model, tok, tmp_path / "good")
    with pytest.raises(QrwError, match="does not exist"):
        check_model_dir(tmp_path / "nope")
    no_weights = tmp_path / "no_weights"
    shutil.copytree(good, no_weights)
    for f in no_weights.glob("*.safetensors"):
        f.unlink()
    with pytest.raises(QrwError, match=r"missing weights"):
        load_model(no_weights)
    no_tok = tmp_path / "no_tok"
    shutil.copytree(good, no_tok)
    (no_tok / "tokenizer.json").unlink()
    with pytest.raises(QrwError, match=r"missing tokenizer"):
        load_tokenizer(no_tok)
    no_template = tmp_path / "no_template"
    shutil.copytree(good, no_template)
    (no_template / "chat_template.jinja").unlink(missing_ok=True)
    cfg_path = no_template / "tokenizer_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg.pop("chat_template", None)
    cfg_path.write_text(json.dumps(cfg))
    with pytest.raises(QrwError, match="no chat template"):
        load_tokenizer(no_template)
