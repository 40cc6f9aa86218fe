"""``qrw train sft``: one model, two tasks (rewrite generation + relevance tagging), TRL SFTTrainer.

The data is TRL's prompt-completion conversational format, so the loss is on the
completion only (the rewrite, or the one label token + ``<|im_end|>``). The task
mix is resampled to ``train.sft.relevance_share``. Checkpoints go to
``{out}/checkpoints``; a rerun with the same ``--out`` resumes from the newest one.
At the end the relevance-tagging accuracy on the dev split's ``relevance_dev.jsonl``
(argmax over the label tokens) is measured against the majority-class rate and
written into the manifest with everything needed to reproduce the run.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..config import QrwConfig
from ..errors import QrwError
from .common import CHECKPOINTS, default_base, drop_checkpoints, last_checkpoint, log, setup_logging
from .data import EVAL_SPLIT, RELEVANCE_EVAL, SFT_EVAL, export_dir, load_sft, mix_tasks, read_jsonl, snapshot


def _dataset(rows: list[dict]):
    from datasets import Dataset

    return Dataset.from_list([{"prompt": r["prompt"], "completion": r["completion"]} for r in rows])


def _lora_config(cfg: QrwConfig):
    from peft import LoraConfig

    s = cfg.train.sft
    return LoraConfig(
        r=s.lora_r, lora_alpha=s.lora_alpha, lora_dropout=s.lora_dropout, target_modules=s.lora_target_modules, task_type="CAUSAL_LM"
    )


def train_sft(cfg: QrwConfig, *, data: str, out: str, base: str | None = None, callbacks: list | None = None) -> Path:
    """Multi-task SFT of ``base`` (default: the bootstrap model under paths.data_dir) into ``out``.

    ``callbacks``: extra transformers TrainerCallbacks (tests use one to interrupt a run).
    """
    setup_logging()
    from trl import SFTConfig, SFTTrainer

    from .callbacks import TimeBudget
    from .modeling import load_model, load_tokenizer, param_count, save_model_dir, setup_torch, use_cpu
    from .scoring import tagging_accuracy

    setup_torch(cfg.train)
    s = cfg.train.sft
    base_dir = Path(base) if base else default_base(cfg)
    if not base and not base_dir.exists():
        raise QrwError(f"no --base given and no bootstrap model at {base_dir}; run `qrw train bootstrap --out {base_dir}` or pass --base")
    tokenizer = load_tokenizer(base_dir)  # checks files, chat template, single-token labels
    rows = load_sft(data, need_both_tasks=not s.generation_only)
    if s.generation_only:
        from ..prompts import TASK_REWRITE

        rows = [r for r in rows if r["task"] == TASK_REWRITE]
        if not rows:
            raise QrwError(f"train.sft.generation_only: {export_dir(data)} has no rewrite-task rows")
    folder = export_dir(data)
    eval_rows = load_sft(data, SFT_EVAL, need_both_tasks=False) if (folder / SFT_EVAL).exists() else []
    relevance_eval = read_jsonl(folder / RELEVANCE_EVAL, required=False, limit=s.max_eval_examples)
    mixed = mix_tasks(rows, None if s.generation_only else s.relevance_share, cfg.train.seed, s.max_examples)
    tasks = {t: sum(r["task"] == t for r in mixed) for t in sorted({r["task"] for r in mixed})}
    log.info("sft: %d training rows after mixing %s (from %d), base %s", len(mixed), tasks, len(rows), base_dir)

    model = load_model(base_dir)
    max_length = min(s.max_length, getattr(model.config, "max_position_embeddings", s.max_length))
    out_dir = Path(out)
    resume = last_checkpoint(out_dir)
    if resume:
        log.info("sft: resuming from %s", resume)
    cpu = use_cpu(cfg.train)
    args = SFTConfig(
        output_dir=str(out_dir / CHECKPOINTS),
        max_length=max_length,
        completion_only_loss=True,
        packing=False,
        per_device_train_batch_size=s.batch_size,
        per_device_eval_batch_size=s.eval_batch_size,
        gradient_accumulation_steps=s.grad_accum,
        num_train_epochs=s.epochs,
        max_steps=s.max_steps,
        learning_rate=s.learning_rate,
        lr_scheduler_type=s.lr_scheduler,
        warmup_steps=s.warmup_ratio,  # transformers 5: a float < 1 is a ratio (warmup_ratio is deprecated)
        weight_decay=0.0,
        logging_steps=s.logging_steps,
        save_strategy="steps",
        save_steps=s.save_steps,
        save_total_limit=s.save_total_limit,
        eval_strategy="no",
        report_to="none",
        seed=cfg.train.seed,
        data_seed=cfg.train.seed,
        use_cpu=cpu,
        bf16=False,
        gradient_checkpointing=False,
        dataloader_num_workers=0,
        disable_tqdm=True,
    )
    budget = TimeBudget(s.time_budget_s, cfg.train.budget_clock)
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=_dataset(mixed),
        eval_dataset=_dataset(eval_rows[: s.max_eval_loss_rows]) if eval_rows else None,
        processing_class=tokenizer,
        peft_config=_lora_config(cfg) if s.lora else None,
        callbacks=[budget, *(callbacks or [])],
    )
    lengths = [len(x) for x in trainer.train_dataset["input_ids"]]
    mean_len = sum(lengths) / len(lengths)
    start_step = 0
    if resume:
        import json

        start_step = json.loads((Path(resume) / "trainer_state.json").read_text())["global_step"]
    started, started_cpu = time.monotonic(), time.process_time()
    result = trainer.train(resume_from_checkpoint=resume)
    seconds, cpu_seconds = time.monotonic() - started, time.process_time() - started_cpu
    steps_run = trainer.state.global_step - start_step
    tokens = steps_run * s.batch_size * s.grad_accum * mean_len

    metrics: dict = {
        "train_loss": round(result.training_loss, 4),
        "global_step": trainer.state.global_step,
        "steps_this_run": steps_run,
        "train_seconds": round(seconds, 1),
        "train_cpu_seconds": round(cpu_seconds, 1),
        "train_tokens_per_s": round(tokens / seconds, 1) if seconds > 0 else None,
        "mean_example_tokens": round(mean_len, 1),
        "stopped_by_time_budget": budget.stopped_early,
        "schedule_fitted_to_steps": budget.forecast_steps,
        # eval_loss and the tagging accuracy below are measured on this split (tuning reads it; test is for qrw evaluate)
        "eval_split": EVAL_SPLIT,
    }
    if eval_rows:
        metrics["eval_loss"] = round(trainer.evaluate()["eval_loss"], 4)
    model = trainer.model
    if s.lora:
        model = model.merge_and_unload()
    model.eval()
    if relevance_eval:
        metrics.update(tagging_accuracy(model, tokenizer, relevance_eval, s.eval_batch_size))
    else:
        log.warning("sft: %s missing or empty: no relevance-tagging accuracy in the manifest", folder / RELEVANCE_EVAL)
    log.info("sft metrics: %s", metrics)
    save_model_dir(
        model,
        tokenizer,
        out_dir,
        kind="sft",
        base=str(base_dir),
        base_model_version=_base_version(base_dir),
        data=snapshot(data),
        tasks=tasks,
        training_config={"train": cfg.train.model_dump(include={"seed", "sft"}), "max_length": max_length},
        resumed_from=resume,
        params=param_count(model),
        metrics=metrics,
    )
    drop_checkpoints(out_dir, s.keep_checkpoints)
    return out_dir


def _base_version(base_dir: Path) -> str:
    from ..manifest import read_manifest

    return read_manifest(base_dir).get("model_version", str(base_dir))
