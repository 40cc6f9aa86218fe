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


def test_what_a_setting_does_is_marked_on_the_config_field():
    """Call-time (not in the engine cache key) and operational (not in the run id) are field marks, not lists."""
    from qrw.config import CALL_TIME, OPERATIONAL, EngineSection, RewriteSection, marked_fields
    from qrw.engine import Decoding

    assert marked_fields(EngineSection, CALL_TIME) == {"num_candidates", "temperature", "top_p", "decoding", "beam_length_penalty"}
    assert marked_fields(EngineSection, OPERATIONAL) == {"cpu_kvcache_gb", "gpu_memory_utilization", "enable_prefix_caching", "hf_batch_size", "fake_fail_on", "block_size"}
    assert marked_fields(RewriteSection, OPERATIONAL) == {
        "slots", "chunk_size", "arrow_batch_size", "gpus_per_task", "cpus_per_task",
        "fail_once_after", "fail_partition", "progress", "force", "worker_preload",
        "inflight_chunks",  # same dictionary at any setting (tests/rewrite/test_overlap.py)
    }
    # Every call-time field reaches the engine through Decoding, and nothing else does.
    cfg = EngineSection(decoding="beam", num_candidates=5, temperature=0.3, top_p=0.7, beam_length_penalty=0.5)
    assert Decoding.from_config(cfg) == Decoding(num_candidates=5, temperature=0.3, top_p=0.7, mode="beam", beam_length_penalty=0.5)
    assert Decoding(temperature=0.0, num_candidates=4).n == 1 and Decoding(mode="beam", temperature=0.0, num_candidates=4).n == 4
