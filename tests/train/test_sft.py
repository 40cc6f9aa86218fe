"""SFT: bad input stops before training with a clear error; an interrupted run resumes."""

from __future__ import annotations

import json
import shutil

import pytest
from transformers import TrainerCallback

from qrw.errors import QrwError
from qrw.train.sft import train_sft

from train_world import tiny_cfg


class Interrupt(Exception):
    pass


class InterruptAt(TrainerCallback):
    """Simulates a killed job: raise after ``step`` optimizer steps (after the checkpoint at save_steps)."""

    def __init__(self, step: int):
        self.step = step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step >= self.step:
            raise Interrupt(f"interrupted at step {state.global_step}")


def test_interrupted_sft_resumes_from_the_last_checkpoint(cfg, export_data, tiny_base, tmp_path):
    c = tiny_cfg(cfg, train__sft__max_steps=12, train__sft__save_steps=5)
    out = tmp_path / "sft"
    with pytest.raises(Interrupt):
        train_sft(c, data=str(export_data), out=str(out), base=str(tiny_base), callbacks=[InterruptAt(7)])
    assert (out / "checkpoints" / "checkpoint-5").is_dir()
    assert not (out / "qrw_model.json").exists()  # nothing half-finished looks like a model

    train_sft(c, data=str(export_data), out=str(out), base=str(tiny_base))
    manifest = json.loads((out / "qrw_model.json").read_text())
    assert manifest["resumed_from"].endswith("checkpoint-5")
    assert manifest["metrics"]["global_step"] == 12
    assert manifest["metrics"]["steps_this_run"] == 7  # continued at 5, not restarted at 0
    assert not (out / "checkpoints").exists()  # cleaned up after success (keep_checkpoints=false)
    m = manifest["metrics"]
    assert {"relevance_accuracy", "majority_rate", "eval_loss", "train_tokens_per_s"} <= set(m)
    assert manifest["kind"] == "sft" and manifest["base"] == str(tiny_base)
    assert manifest["data"]["sha256"] and manifest["prompt_version"]
    assert manifest["training_config"]["train"]["sft"]["max_steps"] == 12


def test_one_task_data_is_refused_before_training(cfg, export_data, tiny_base, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(export_data, data)
    path = data / "export" / "sft_train.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows if r["task"] == "relevance"))
    with pytest.raises(QrwError, match="needs both 'rewrite' and 'relevance'"):
        train_sft(tiny_cfg(cfg), data=str(data), out=str(tmp_path / "o"), base=str(tiny_base))
    path.write_text("")
    with pytest.raises(QrwError, match="no rows"):
        train_sft(tiny_cfg(cfg), data=str(data), out=str(tmp_path / "o"), base=str(tiny_base))
    assert not (tmp_path / "o").exists()


def test_bad_base_is_refused(cfg, export_data, tiny_base, tmp_path):
    no_template = tmp_path / "no_template"
    shutil.copytree(tiny_base, no_template)
    (no_template / "chat_template.jinja").unlink(missing_ok=True)
    tc = json.loads((no_template / "tokenizer_config.json").read_text())
    tc.pop("chat_template", None)
    (no_template / "tokenizer_config.json").write_text(json.dumps(tc))
    with pytest.raises(QrwError, match="no chat template"):
        train_sft(tiny_cfg(cfg), data=str(export_data), out=str(tmp_path / "o"), base=str(no_template))
    with pytest.raises(QrwError, match="incomplete: missing config.json"):
        train_sft(tiny_cfg(cfg), data=str(export_data), out=str(tmp_path / "o"), base=str(tmp_path))
    c = tiny_cfg(cfg, paths__data_dir=str(tmp_path / "empty_data_dir"))
    with pytest.raises(QrwError, match="no --base given"):
        train_sft(c, data=str(export_data), out=str(tmp_path / "o"))


def test_cli_prints_the_error_and_exits_2(export_data, tmp_path):
    from click.testing import CliRunner

    from qrw.cli import main

    result = CliRunner().invoke(main, ["train", "sft", "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "o"), "--base", str(tmp_path / "nobase")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_lora_adapters_are_merged_into_a_plain_model_dir(cfg, export_data, tiny_base, tmp_path):
    """--set train.sft.lora=true (for large bases): the output is a full model vLLM loads, no adapter files."""
    from qrw.train.modeling import load_model, param_count

    c = tiny_cfg(cfg, train__sft__max_steps=2, train__sft__lora=True, train__sft__lora_r=4, train__sft__max_eval_examples=8)
    out = train_sft(c, data=str(export_data), out=str(tmp_path / "lora"), base=str(tiny_base))
    assert not (out / "adapter_config.json").exists()
    merged, base = load_model(out, trainable=False), load_model(tiny_base, trainable=False)
    assert param_count(merged) == param_count(base)
    changed = [n for (n, a), (_, b) in zip(merged.named_parameters(), base.named_parameters()) if not a.equal(b)]
    assert changed and all("proj" in n for n in changed)  # only the LoRA-targeted linear layers moved
    assert json.loads((out / "qrw_model.json").read_text())["training_config"]["train"]["sft"]["lora"] is True
