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


@pytest.mark.parametrize("key", ["rewrite.min_users", "serve.min_users"])
@pytest.mark.parametrize("value", ["0", "-3"])
def test_min_users_must_be_at_least_one(key, value):
    """Issue #14: 0 and negatives were accepted (and silently meant 1)."""
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(None, [f"{key}={value}"])


def test_assignment_is_validated_and_names_the_key():
    from qrw.errors import QrwError

    cfg = load_config()
    with pytest.raises(ConfigError, match=r"rewrite\.min_users") as info:
        cfg.rewrite.min_users = 0
    assert isinstance(info.value, QrwError)  # the CLI prints it as one line
    with pytest.raises(ConfigError, match=r"train\.bootstrap\.model\.num_heads"):
        cfg.train.bootstrap.model.num_heads = "many"
    assert cfg.rewrite.min_users == 2


@pytest.mark.parametrize("command", [["publish", "--table", "/nonexistent/t"], ["rewrite", "--search-log", "x", "--model", "m", "--table", "t"]])
def test_cli_min_users_zero_is_a_clear_error(command):
    from click.testing import CliRunner

    from qrw.cli import main

    result = CliRunner().invoke(main, [*command, "--min-users", "0"])
    assert result.exit_code == 2, result.output
    assert "min_users" in result.output and "greater than or equal to 1" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("profile", ["local", "cluster", "quality"])
def test_profiles_agree_on_min_users(profile):
    cfg = load_config(profile)
    assert cfg.serve.min_users == cfg.rewrite.min_users >= 1
    if profile == "cluster":
        assert cfg.rewrite.min_users == 3


def test_a_profile_extends_another_section_by_section(tmp_path):
    quality, local = load_config("quality"), load_config()
    assert quality.profile == "quality" and quality.train.bootstrap.epochs == 1.0
    assert quality.train.bootstrap.time_budget_s > local.train.bootstrap.time_budget_s
    # Everything it does not set is local's, down to single keys inside a section.
    assert quality.engine == local.engine and quality.spark == local.spark
    assert quality.train.sft.relevance_share == local.train.sft.relevance_share
    (tmp_path / "a.yaml").write_text(f"extends: {tmp_path / 'b.yaml'}\n")
    (tmp_path / "b.yaml").write_text(f"extends: {tmp_path / 'a.yaml'}\n")
    with pytest.raises(ConfigError, match="extends itself"):
        load_config(tmp_path / "a.yaml")
