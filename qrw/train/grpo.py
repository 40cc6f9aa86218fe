"""``qrw train grpo``: GRPO from the SFT model with the fused relevance + conversion + rules reward.

TRL's GRPOTrainer with plain transformers generation (TRL's vLLM integration pins
another vLLM; training never imports vllm). The reward parts are separate TRL
reward functions fused by ``reward_weights``, so TRL logs each one
(``rewards/relevance/mean`` ...) next to the fused ``reward``.

Before training and after, the same held-out dev-split ``grpo_dev.jsonl`` prompts are
sampled with the same settings and seed and scored by the same reward functions;
both means go into the manifest, so "did GRPO help" is a recorded number. So does the
tagging: the SFT model's on ``relevance_dev.jsonl`` before (``sft_relevance``), the
policy's after, and ``tagging_drift`` between them (GRPO trains the rewrite task only).
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from ..config import QrwConfig
from ..errors import QrwError
from .common import CHECKPOINTS, drop_checkpoints, last_checkpoint, log, setup_logging
from .data import EVAL_SPLIT, GRPO_EVAL, RELEVANCE_EVAL, export_dir, load_catalog_texts, load_grpo, read_jsonl, snapshot
from .rewards import REWARD_NAMES, build_rewards, fuse, reward_weights, score_all


def sample_rewrites(model, tokenizer, prompts: Sequence[list[dict]], *, n: int, temperature: float, top_p: float,
                    max_new_tokens: int, seed: int, batch_size: int = 32) -> list[list[str]]:
    """``n`` sampled completions per chat prompt (transformers generate, seeded): the policy's rewrites."""
    import torch

    from .tokenizer import IM_END

    device = next(model.parameters()).device
    eos = [t for t in {tokenizer.convert_tokens_to_ids(IM_END), tokenizer.eos_token_id} if isinstance(t, int) and t >= 0]
    was_training = model.training
    model.eval()
    torch.manual_seed(seed)
    out: list[list[str]] = []
    try:
        for start in range(0, len(prompts), batch_size):
            chunk = prompts[start : start + batch_size]
            texts = [tokenizer.apply_chat_template(p, add_generation_prompt=True, tokenize=False) for p in chunk]
            enc = tokenizer(texts, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False).to(device)
            with torch.inference_mode():
                gen = model.generate(
                    **enc,
                    do_sample=True,
                    temperature=temperature,
                    top_p=top_p,
                    top_k=0,
                    max_new_tokens=max_new_tokens,
                    num_return_sequences=n,
                    eos_token_id=eos,
                    pad_token_id=tokenizer.pad_token_id,
                )
            new = gen[:, enc["input_ids"].shape[1] :]
            decoded = tokenizer.batch_decode(new, skip_special_tokens=True)
            out.extend(decoded[i * n : (i + 1) * n] for i in range(len(chunk)))
    finally:
        model.train(was_training)
    return out


def evaluate_policy(model, tokenizer, rows: Sequence[dict], rewards: list, cfg: QrwConfig) -> tuple[dict, list[float]]:
    """Mean of each reward part and of the fused reward over sampled rewrites of held-out prompts,
    and the fused mean of each prompt (for the gain's standard error)."""
    g = cfg.train.grpo
    samples = sample_rewrites(
        model, tokenizer, [r["prompt"] for r in rows], n=g.eval_generations, temperature=g.temperature, top_p=g.top_p,
        max_new_tokens=g.max_completion_length, seed=cfg.train.seed,
    )
    queries = [r["query"] for r, s in zip(rows, samples) for _ in s]
    products = [r["products"] for r, s in zip(rows, samples) for _ in s]
    rewrites = [x for s in samples for x in s]
    parts = score_all(rewards, queries, rewrites, products)
    fused = fuse(parts, reward_weights(g))
    metrics = {f"{name}_mean": round(sum(parts[name]) / len(rewrites), 4) for name in REWARD_NAMES}
    metrics["fused_mean"] = round(sum(fused) / len(fused), 4)
    n = g.eval_generations
    per_prompt = [sum(fused[i * n : (i + 1) * n]) / n for i in range(len(rows))]
    metrics["samples"] = len(rewrites)
    metrics["examples"] = [{"query": q, "rewrite": r} for q, r in list(zip(queries, rewrites))[: 2 * g.eval_generations : g.eval_generations]]
    return metrics, per_prompt


def paired_se(before: Sequence[float], after: Sequence[float]) -> float:
    """Standard error of the mean per-prompt gain: is the held-out gain more than sampling noise?

    Before and after score the same prompts, so the per-prompt differences carry the
    prompt-to-prompt spread once instead of twice.
    """
    diffs = [a - b for a, b in zip(after, before)]
    if len(diffs) < 2:
        return 0.0
    return round(statistics.stdev(diffs) / math.sqrt(len(diffs)), 4)


def _dataset(rows: list[dict]):
    from datasets import Dataset

    return Dataset.from_list(
        [{"prompt": r["prompt"], "query": r["query"], "query_norm": r.get("query_norm", ""), "products": r["products"]} for r in rows]
    )


def train_grpo(cfg: QrwConfig, *, data: str, model: str, out: str, callbacks: list | None = None) -> Path:
    """GRPO of the SFT model at ``model`` into ``out``.

    The relevance reward is judged by ``train.grpo.relevance_scorer`` (a relevance model)
    when set, else by a frozen copy of ``model``; the manifest's ``relevance_reward`` names which.
    """
    setup_logging()
    from trl import GRPOConfig, GRPOTrainer

    from ..manifest import read_manifest
    from .callbacks import TimeBudget
    from .modeling import load_model, load_tokenizer, param_count, save_model_dir, setup_torch, use_cpu
    from .scoring import tagging_accuracy

    setup_torch(cfg.train)
    g = cfg.train.grpo
    if g.num_generations < 2:
        raise QrwError("train.grpo.num_generations must be >= 2: GRPO compares completions of the same prompt")
    if g.relevance_scorer:
        from ..relevance_model import is_relevance_model

        if not is_relevance_model(g.relevance_scorer):
            raise QrwError(
                f"train.grpo.relevance_scorer={g.relevance_scorer} is not a relevance model: train one with "
                "`qrw train relevance --data DATA --out DIR`, or unset it to reward with a frozen copy of the SFT model"
            )
    tokenizer = load_tokenizer(model)
    rows = load_grpo(data)
    folder = export_dir(data)
    eval_rows = load_grpo(data, GRPO_EVAL, required=False, limit=g.eval_prompts)
    catalog = load_catalog_texts(data)
    policy = load_model(model)
    scorer = None if g.relevance_scorer else load_model(model, trainable=False)  # frozen copy: the relevance reward must not move with the policy
    rewards = build_rewards(g, scorer, tokenizer, catalog)
    judge = rewards[0]
    relevance_reward = (
        {"kind": "relevance_model", "model": judge.model_dir, "model_version": judge.model_version}
        if g.relevance_scorer
        else {"kind": "frozen_sft", "model": str(model), "model_version": read_manifest(model).get("model_version")}
    )
    weights = reward_weights(g)
    log.info("grpo: %d prompts, %d eval prompts, %d products in the BM25 index, weights %s", len(rows), len(eval_rows), len(catalog), weights)

    metrics: dict = {"eval_split": EVAL_SPLIT, "relevance_reward": relevance_reward}  # before/after and the tagging accuracy: dev rows (tuning), not test
    if eval_rows:
        t = time.monotonic()
        metrics["before"], before_per_prompt = evaluate_policy(policy, tokenizer, eval_rows, rewards, cfg)
        log.info("grpo: held-out reward before (SFT): %s (%.0fs)", metrics["before"], time.monotonic() - t)
    else:
        log.warning("grpo: %s missing or empty: no before/after reward in the manifest", folder / GRPO_EVAL)

    # The SFT model's tagging on the same dev rows: the after-GRPO number below is compared with it
    # (GRPO trains the rewrite task only, so the policy's tagging can drift; the SFT model at
    # ``base`` in the manifest is the scorer that does not move, rewrite.scorer_model).
    relevance_eval = read_jsonl(folder / RELEVANCE_EVAL, required=False, limit=cfg.train.sft.max_eval_examples)
    if relevance_eval:
        metrics["sft_relevance"] = tagging_accuracy(policy, tokenizer, relevance_eval, cfg.train.sft.eval_batch_size)

    out_dir = Path(out)
    resume = last_checkpoint(out_dir)
    if resume:
        log.info("grpo: resuming from %s", resume)
    args = GRPOConfig(
        output_dir=str(out_dir / CHECKPOINTS),
        max_steps=g.max_steps,
        per_device_train_batch_size=g.prompts_per_step * g.num_generations,
        gradient_accumulation_steps=1,
        num_generations=g.num_generations,
        max_completion_length=g.max_completion_length,
        temperature=g.temperature,
        top_p=g.top_p,
        learning_rate=g.learning_rate,
        beta=g.beta,
        reward_weights=[weights[name] for name in REWARD_NAMES],
        logging_steps=g.logging_steps,
        save_strategy="steps",
        save_steps=g.save_steps,
        save_total_limit=g.save_total_limit,
        report_to="none",
        seed=cfg.train.seed,
        use_cpu=use_cpu(cfg.train),
        bf16=False,
        gradient_checkpointing=False,
        use_vllm=False,
        log_completions=False,
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    budget = TimeBudget(g.time_budget_s, cfg.train.budget_clock)
    trainer = GRPOTrainer(
        model=policy,
        reward_funcs=rewards,
        args=args,
        train_dataset=_dataset(rows),
        processing_class=tokenizer,
        callbacks=[budget, *(callbacks or [])],
    )
    start_step = json.loads((Path(resume) / "trainer_state.json").read_text())["global_step"] if resume else 0
    started, started_cpu = time.monotonic(), time.process_time()
    result = trainer.train(resume_from_checkpoint=resume)
    seconds, cpu_seconds = time.monotonic() - started, time.process_time() - started_cpu
    steps_run = trainer.state.global_step - start_step
    history = [h for h in trainer.state.log_history if "reward" in h]
    metrics.update(
        {
            "train_loss": round(result.training_loss, 4),
            "global_step": trainer.state.global_step,
            "steps_this_run": steps_run,
            "train_seconds": round(seconds, 1),
            "train_cpu_seconds": round(cpu_seconds, 1),
            "steps_per_s": round(steps_run / seconds, 4) if seconds > 0 else None,
            "stopped_by_time_budget": budget.stopped_early,
            "schedule_fitted_to_steps": budget.forecast_steps,
            "train_reward_first": history[0]["reward"] if history else None,
            "train_reward_last": history[-1]["reward"] if history else None,
        }
    )
    trained = trainer.model
    if eval_rows:
        metrics["after"], after_per_prompt = evaluate_policy(trained, tokenizer, eval_rows, rewards, cfg)
        metrics["fused_gain"] = round(metrics["after"]["fused_mean"] - metrics["before"]["fused_mean"], 4)
        metrics["fused_gain_se"] = paired_se(before_per_prompt, after_per_prompt)
        log.info(
            "grpo: held-out reward after: %s (gain %+.4f, standard error %.4f over %d prompts)",
            metrics["after"], metrics["fused_gain"], metrics["fused_gain_se"], len(eval_rows),
        )
    # The batch job scores with this model too: record its own tagging accuracy (GRPO trains only
    # the rewrite task, so it can drift from the SFT model's), which the job checks before running.
    if relevance_eval:
        metrics.update(tagging_accuracy(trained, tokenizer, relevance_eval, cfg.train.sft.eval_batch_size))
        metrics["tagging_drift"] = round(metrics["relevance_accuracy"] - metrics["sft_relevance"]["relevance_accuracy"], 4)
        log.info(
            "grpo: relevance-tagging accuracy after GRPO %.4f (SFT %.4f, majority %.4f)",
            metrics["relevance_accuracy"], metrics["sft_relevance"]["relevance_accuracy"], metrics["majority_rate"],
        )
    save_model_dir(
        trained,
        tokenizer,
        out_dir,
        kind="grpo",
        base=str(model),
        base_model_version=read_manifest(model).get("model_version"),
        data=snapshot(data),
        training_config={"train": cfg.train.model_dump(include={"seed", "grpo"})},
        reward_weights=weights,
        resumed_from=resume,
        params=param_count(trained),
        metrics=metrics,
    )
    drop_checkpoints(out_dir, g.keep_checkpoints)
    return out_dir
