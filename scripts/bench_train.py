"""Training throughput: SFT training tokens/s and GRPO steps/s for the bootstrap-sized model.

    .venv/bin/python scripts/bench_train.py [--device cpu|cuda] [--data DIR] [--sft-steps 30] [--grpo-steps 6]

Runs the real stages (``train_sft``, ``train_grpo``) on a randomly initialised model of
the configured bootstrap size (throughput does not depend on the weights) and prints
one JSON line. ``--data`` takes a ``build-training-data`` output; without it the
hand-made world of tests/train is written to a temp dir. Numbers go to
docs/benchmarks.md ("## Training"), with the machine named.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent


def _device_name(device: str) -> str:
    import torch

    if device == "cuda":
        return torch.cuda.get_device_name(0)
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "cpu"


@click.command()
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu")
@click.option("--data", default=None, help="build-training-data output (default: the tests' hand-made world).")
@click.option("--sft-steps", default=30, show_default=True)
@click.option("--grpo-steps", default=6, show_default=True)
@click.option("--threads", default=None, type=int, help="torch threads (default train.torch_threads).")
@click.option("--set", "overrides", multiple=True, help="Config overrides, e.g. train.sft.batch_size=64.")
def main(device: str, data: str | None, sft_steps: int, grpo_steps: int, threads: int | None, overrides: tuple[str, ...]) -> None:
    import torch

    from qrw.config import load_config
    from qrw.train.bootstrap import prompt_texts
    from qrw.train.grpo import train_grpo
    from qrw.train.modeling import init_model, param_count, save_model_dir
    from qrw.train.sft import train_sft
    from qrw.train.tokenizer import train_tokenizer

    cfg = load_config(None, [f"train.device={device}", *overrides])
    if threads:
        cfg.train.torch_threads = threads
    t = cfg.train
    t.sft.max_steps, t.sft.save_steps, t.sft.max_eval_examples, t.sft.max_eval_loss_rows = sft_steps, 10**6, 64, 64
    t.grpo.max_steps, t.grpo.save_steps, t.grpo.eval_prompts = grpo_steps, 10**6, 0
    work = Path(tempfile.mkdtemp(prefix="qrw_bench_train_"))
    if data is None:
        sys.path.insert(0, str(ROOT / "tests" / "train"))
        from train_world import make_world, write_export

        world = make_world()
        data = str(write_export(work / "data", world))
        texts = [p["title"] for p in world["products"]] + [q["query"] for q in world["queries"]]
    else:
        from qrw.train.data import export_dir, read_jsonl

        texts = [r["text"] for r in read_jsonl(export_dir(data) / "catalog.jsonl")]
        texts += [r["query"] for r in read_jsonl(export_dir(data) / "grpo_train.jsonl")]
    tok = train_tokenizer(texts + prompt_texts(texts[-200:]), t.bootstrap.vocab_size, t.bootstrap.model.max_position)
    base = save_model_dir(init_model(tok, t.bootstrap.model), tok, work / "base", kind="bench-random")

    started = time.monotonic()
    sft = train_sft(cfg, data=data, out=str(work / "sft"), base=str(base))
    sft_m = json.loads((sft / "qrw_model.json").read_text())["metrics"]
    grpo = train_grpo(cfg, data=data, model=str(sft), out=str(work / "grpo"))
    grpo_m = json.loads((grpo / "qrw_model.json").read_text())["metrics"]
    result = {
        "bench": "train",
        "device": device,
        "device_name": _device_name(device),
        "torch_threads": torch.get_num_threads(),
        "params": param_count(init_model(tok, t.bootstrap.model)),
        "vocab": len(tok),
        "sft_batch": t.sft.batch_size,
        "sft_steps": sft_m["steps_this_run"],
        "sft_mean_example_tokens": sft_m["mean_example_tokens"],
        "sft_tokens_per_s": sft_m["train_tokens_per_s"],
        "grpo_prompts_per_step": t.grpo.prompts_per_step,
        "grpo_num_generations": t.grpo.num_generations,
        "grpo_max_completion_length": t.grpo.max_completion_length,
        "grpo_steps": grpo_m["steps_this_run"],
        "grpo_steps_per_s": grpo_m["steps_per_s"],
        "total_seconds": round(time.monotonic() - started, 1),
        "data": data,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
