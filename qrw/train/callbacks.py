"""Trainer callbacks shared by the three stages."""

from __future__ import annotations

import time
from typing import Literal

from transformers import TrainerCallback


def clock(kind: Literal["cpu", "wall"]) -> float:
    """Seconds on the chosen clock: this process's CPU time (all threads) or wall time."""
    return time.process_time() if kind == "cpu" else time.monotonic()


class TimeBudget(TrainerCallback):
    """Stop (and save) once ``seconds`` have passed on ``kind``'s clock.

    The default clock is CPU time: on a shared machine a wall-clock budget buys a
    different amount of training every run; CPU seconds buy the same amount.
    On a GPU, use ``train.budget_clock=wall``.
    """

    def __init__(self, seconds: float | None, kind: Literal["cpu", "wall"] = "cpu"):
        self.seconds, self.kind = seconds, kind
        self.start = clock(kind)
        self.stopped_early = False

    def on_train_begin(self, args, state, control, **kwargs):
        self.start = clock(self.kind)

    def on_step_end(self, args, state, control, **kwargs):
        if self.seconds is not None and clock(self.kind) - self.start > self.seconds:
            self.stopped_early = True
            control.should_training_stop = True
            control.should_save = True
        return control
