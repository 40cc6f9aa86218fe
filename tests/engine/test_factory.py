"""get_engine: one engine per process and settings, clear errors, the Spark GPU address honoured."""

from __future__ import annotations

import os

import pytest

from qrw.engine import get_engine
from qrw.engine.factory import _key, _pin_device
from qrw.errors import QrwError


def test_not_a_model_dir_is_a_clear_error(cfg, tmp_path):
    with pytest.raises(QrwError, match="not a model directory"):
        get_engine(cfg.engine.model_copy(update={"kind": "hf"}), str(tmp_path))


def test_key_ignores_call_time_settings_but_not_load_settings(cfg):
    base = cfg.engine.model_copy(update={"kind": "hf"})
    assert _key(base, "m") == _key(base.model_copy(update={"decoding": "beam", "temperature": 0.2, "top_p": 0.5}), "m")
    assert _key(base, "m") != _key(base.model_copy(update={"max_model_len": 512}), "m")
    assert _key(base, "m") != _key(base, "other")


def test_spark_gpu_address_becomes_cuda_visible_devices(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    _pin_device("1")
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "1"
    _pin_device(None)  # no GPU scheduled: leave the environment alone
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "1"
