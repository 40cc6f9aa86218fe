"""Fixtures for qrw.train: the hand-made world (train_world.py) and a tiny random base model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from train_world import make_world, write_export

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def world():
    return make_world()


@pytest.fixture(scope="session")
def export_data(tmp_path_factory, world) -> Path:
    return write_export(tmp_path_factory.mktemp("train_data"), world)


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory, world) -> Path:
    """A random-init model with the bootstrap tokenizer (no pretraining): seconds, for SFT/GRPO mechanics."""
    from qrw.config import ModelSizeSection
    from qrw.train.bootstrap import prompt_texts
    from qrw.train.modeling import init_model, save_model_dir
    from qrw.train.tokenizer import train_tokenizer

    texts = [p["title"] for p in world["products"]] + [q["query"] for q in world["queries"]]
    tok = train_tokenizer(texts + prompt_texts([q["query"] for q in world["queries"]]), vocab_size=600)
    model = init_model(tok, ModelSizeSection(hidden_size=64, intermediate_size=128, num_layers=2, num_heads=2, num_kv_heads=1))
    return save_model_dir(model, tok, tmp_path_factory.mktemp("models") / "tiny_base", kind="test-random")
