"""Bits the SFT and GRPO stages share: where the default base lives, checkpoints, logging."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from ..config import QrwConfig

log = logging.getLogger("qrw.train")

CHECKPOINTS = "checkpoints"


def setup_logging() -> None:
    """INFO lines from qrw and the trainers' metric dicts; no per-map/per-shard progress bars."""
    import warnings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # TRL warns about the installed vLLM on import; training never uses TRL's vLLM path.
    warnings.filterwarnings("ignore", message="TRL currently supports vLLM")
    for noisy in ("bm25s", "vllm", "datasets", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()


def default_base(cfg: QrwConfig) -> Path:
    """Where ``qrw train bootstrap`` output is looked for when ``--base`` is not given."""
    return Path(cfg.paths.data_dir) / "models" / "bootstrap"


def last_checkpoint(out: Path) -> str | None:
    """The newest ``{out}/checkpoints/checkpoint-N`` (an interrupted run of the same stage), or None."""
    from transformers.trainer_utils import get_last_checkpoint

    folder = out / CHECKPOINTS
    return get_last_checkpoint(str(folder)) if folder.is_dir() else None


def drop_checkpoints(out: Path, keep: bool) -> None:
    if not keep:
        shutil.rmtree(out / CHECKPOINTS, ignore_errors=True)
