from __future__ import annotations

import pytest

from qrw.config import ConfigError, load_config


def test_profiles_load_and_validate():
    local = load_config()
    cluster = load_config("cluster")
    assert local.spark.master.startswith("local")
    assert cluster.spark.master is None and cluster.engine.dtype == "bfloat16"


def test_overrides_are_typed_and_reach_free_form_maps():
    cfg = load_config(None, ["rewrite.top_k=5", "engine.kind=hf", "spark.conf.spark.driver.memory=3g", "spark.master=null"])
    assert cfg.rewrite.top_k == 5 and cfg.engine.kind == "hf"
    assert cfg.spark.conf["spark.driver.memory"] == "3g" and cfg.spark.master is None


@pytest.mark.parametrize(
    "override, names",
    [("rewrite.topk=3", "rewrite.topk"), ("engine.kind=gpt", "engine.kind"), ("rewrite.top_k=many", "rewrite.top_k"), ("nope", "key=value")],
)
def test_bad_settings_name_the_key(override, names):
    with pytest.raises(ConfigError, match=names.replace(".", r"\.")):
        load_config(None, [override])


def test_missing_profile(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")
