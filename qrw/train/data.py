"""Reading the training-data export (``{data}/export/*.jsonl``) with checks that say what is wrong.

The layout is written by ``qrw build-training-data``; this module is the trainer's
side of that contract: the files, their row shapes, and a content hash of them for
the model manifest (so a model names the exact data it saw).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from pathlib import Path

from ..errors import QrwError
from ..prompts import TASK_RELEVANCE, TASK_REWRITE

# The trainers' held-out numbers (SFT loss and tagging accuracy, GRPO's before/after reward) read
# the *dev* split: they are what tuning looks at. Test files are for `qrw evaluate` only.
EVAL_SPLIT = "dev"
SFT_TRAIN, SFT_EVAL, SFT_TEST = "sft_train.jsonl", "sft_dev.jsonl", "sft_test.jsonl"
GRPO_TRAIN, GRPO_EVAL, GRPO_TEST = "grpo_train.jsonl", "grpo_dev.jsonl", "grpo_test.jsonl"
RELEVANCE_TRAIN, RELEVANCE_EVAL, RELEVANCE_TEST = "relevance_train.jsonl", "relevance_dev.jsonl", "relevance_test.jsonl"
CATALOG, CORPUS, QUERY_SPLITS = "catalog.jsonl", "corpus.txt", "query_splits.jsonl"
SFT_TASKS = (TASK_REWRITE, TASK_RELEVANCE)


def export_dir(data: str | Path) -> Path:
    """``{data}/export``; also accepts the export folder itself."""
    data = Path(data)
    if (data / "export").is_dir():
        return data / "export"
    if (data / SFT_TRAIN).exists() or (data / GRPO_TRAIN).exists():
        return data
    raise QrwError(f"{data} has no export/ folder with training data; run `qrw build-training-data --out {data}` first")


def read_jsonl(path: Path, *, required: bool = True, limit: int | None = None) -> list[dict]:
    """Rows of a JSON Lines file; a missing required file or a broken line is a QrwError naming it."""
    if not path.exists():
        if required:
            raise QrwError(f"{path} is missing; re-run `qrw build-training-data` to write it")
        return []
    if limit is not None and limit <= 0:
        return []
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise QrwError(f"{path}:{lineno} is not valid JSON ({exc.msg}); re-run `qrw build-training-data`") from None
            if limit is not None and len(rows) >= limit:
                break
    return rows


def query_splits(data: str | Path) -> dict[str, str]:
    """normalized query -> split, as the training-data job assigned it (``query_splits.jsonl``)."""
    path = export_dir(data) / QUERY_SPLITS
    if not path.exists():
        raise QrwError(f"{path} is missing: it comes from `qrw build-training-data` (re-run it to write the query splits)")
    return {r["query_norm"]: r["split"] for r in read_jsonl(path) if r.get("query_norm") is not None}


def snapshot(data: str | Path) -> dict:
    """Path and content hash of every JSONL in the export: the data identity in a manifest."""
    folder = export_dir(data)
    files = {}
    for f in sorted(folder.glob("*.jsonl")):
        digest = hashlib.sha256()
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        files[f.name] = digest.hexdigest()[:16]
    combined = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    return {"path": str(folder.resolve()), "sha256": combined, "files": files}


def _check_sft_row(row: dict, where: str) -> None:
    prompt, completion = row.get("prompt"), row.get("completion")
    ok = (
        row.get("task") in SFT_TASKS
        and isinstance(prompt, list)
        and prompt
        and all(isinstance(m, dict) and "role" in m and "content" in m for m in prompt)
        and isinstance(completion, list)
        and len(completion) == 1
        and completion[0].get("role") == "assistant"
        and isinstance(completion[0].get("content"), str)
    )
    if not ok:
        raise QrwError(
            f"{where}: row is not a TRL prompt-completion SFT example "
            f"(task in {SFT_TASKS}, prompt = chat messages, completion = one assistant message): {json.dumps(row)[:200]}"
        )


def load_sft(data: str | Path, name: str = SFT_TRAIN, *, need_both_tasks: bool = True) -> list[dict]:
    """SFT rows; empty data or one task only is an error (this is multi-task SFT)."""
    path = export_dir(data) / name
    rows = read_jsonl(path)
    if not rows:
        raise QrwError(f"{path} has no rows: the training-data job found nothing to train on (check its input counts)")
    for i, row in enumerate(rows):
        _check_sft_row(row, f"{path}:{i + 1}")
    counts = Counter(r["task"] for r in rows)
    if need_both_tasks and any(counts.get(t, 0) == 0 for t in SFT_TASKS):
        raise QrwError(
            f"{path} has only {dict(counts)}; multi-task SFT needs both {SFT_TASKS[0]!r} and {SFT_TASKS[1]!r} rows "
            "(check the training-data job's pair and label counts)"
        )
    return rows


def mix_tasks(rows: list[dict], relevance_share: float | None, seed: int, max_examples: int | None = None) -> list[dict]:
    """Resample to ``relevance_share`` relevance rows (the rest rewrite rows); shuffled.

    The task at or above its share keeps every row; the other is repeated whole, then
    topped up at random, to reach the share. So no distinct example is thrown away
    (held-out tagging accuracy grows with distinct relevance rows, docs/results.md).
    ``max_examples`` then caps the total, keeping the share.
    """
    rng = random.Random(seed)
    if relevance_share is None:
        out = list(rows)
        rng.shuffle(out)
        return out[:max_examples] if max_examples else out
    if not 0.0 < relevance_share < 1.0:
        raise QrwError(f"train.sft.relevance_share must be in (0, 1) or null, got {relevance_share}")
    by_task = {t: [r for r in rows if r["task"] == t] for t in SFT_TASKS}
    share = {TASK_RELEVANCE: relevance_share, TASK_REWRITE: 1.0 - relevance_share}
    total = max(round(len(by_task[t]) / share[t]) for t in SFT_TASKS)
    if max_examples:
        total = min(total, max_examples)
    want = {TASK_RELEVANCE: round(total * relevance_share)}
    want[TASK_REWRITE] = total - want[TASK_RELEVANCE]
    out = []
    for task, n in want.items():
        pool = list(by_task[task])
        rng.shuffle(pool)
        picked = pool * (n // len(pool))
        picked += rng.sample(pool, n - len(picked))
        out += picked
    rng.shuffle(out)
    return out


def load_grpo(data: str | Path, name: str = GRPO_TRAIN, *, required: bool = True, limit: int | None = None) -> list[dict]:
    path = export_dir(data) / name
    rows = read_jsonl(path, required=required, limit=limit)
    if required and not rows:
        raise QrwError(f"{path} has no rows: GRPO needs prompts with engaged products (check the training-data job)")
    for i, row in enumerate(rows):
        if not (isinstance(row.get("prompt"), list) and row.get("query") and isinstance(row.get("products"), list)):
            raise QrwError(f"{path}:{i + 1}: expected prompt (messages), query and products; got {json.dumps(row)[:200]}")
    return rows


def load_catalog_texts(data: str | Path) -> list[dict]:
    path = export_dir(data) / CATALOG
    rows = read_jsonl(path)
    if not rows:
        raise QrwError(f"{path} has no products: the conversion reward needs a catalog to search")
    return rows
