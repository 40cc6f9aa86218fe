"""Trainer callbacks shared by the three stages."""

from __future__ import annotations

import logging
import time
from typing import Literal

from transformers import TrainerCallback

log = logging.getLogger("qrw.train")

#: Steps timed before the budget forecasts how many steps it will allow (the first ones are slow: warm-up).
FORECAST_AFTER_STEPS = 8


def clock(kind: Literal["cpu", "wall"]) -> float:
    """Seconds on the chosen clock: this process's CPU time (all threads) or wall time."""
    return time.process_time() if kind == "cpu" else time.monotonic()


class TimeBudget(TrainerCallback):
    """Stop (and save) once ``seconds`` have passed on ``kind``'s clock, and fit the schedule to it.

    The default clock is CPU time: on a shared machine a wall-clock budget buys a
    different amount of training every run; CPU seconds buy the same amount.
    On a GPU, use ``train.budget_clock=wall``.

    Why the schedule is fitted: a cosine (or linear) schedule planned for ``max_steps``
    that the budget cuts at a third of the way ends training at a high learning rate,
    the worst point to stop (issue #11 saw SFT cut at step 740 of 2,786). So once
    :data:`FORECAST_AFTER_STEPS` steps are timed, the callback forecasts the steps the
    budget allows and, if fewer than planned, compresses the scheduler's own shape onto
    them (step ``s`` reads the planned schedule at ``s * planned / forecast``); the
    forecast is refreshed as training goes, and only ever moves the schedule forward.
    The scheduler itself is changed, so the logged learning rate is the one applied.
    ``fit_schedule=False`` keeps the planned schedule.
    """

    def __init__(self, seconds: float | None, kind: Literal["cpu", "wall"] = "cpu", fit_schedule: bool = True):
        self.seconds, self.kind, self.fit_schedule = seconds, kind, fit_schedule
        self.start = clock(kind)
        self.stopped_early = False
        self.forecast_steps: int | None = None  # steps the budget allows, when fewer than planned
        self._factor = 1.0
        self._first_step = 0
        self._timed_from: tuple[int, float] | None = None
        self._wrapped = False

    def on_train_begin(self, args, state, control, **kwargs):
        self.start = clock(self.kind)
        self._first_step = state.global_step

    def _wrap(self, scheduler, planned: int) -> bool:
        """Route the scheduler's step through ``self._factor`` (LambdaLR only: the transformers schedules)."""
        lambdas = getattr(scheduler, "lr_lambdas", None)
        if not lambdas:
            return False

        def fitted(lam):
            return lambda s: lam(min(planned, int(round(s * self._factor))))

        scheduler.lr_lambdas = [fitted(lam) for lam in lambdas]
        return True

    def on_step_end(self, args, state, control, **kwargs):
        if self.seconds is None:
            return control
        now = clock(self.kind)
        if now - self.start > self.seconds:
            self.stopped_early = True
            control.should_training_stop = True
            control.should_save = True
            return control
        if self._wrapped and state.global_step * self._factor >= state.max_steps:
            control.should_training_stop = True  # the fitted schedule has run its course (learning rate ~0)
            control.should_save = True
            return control
        done = state.global_step - self._first_step
        if self._timed_from is None and done >= 1:
            self._timed_from = (state.global_step, now)  # time from after the first (warm-up) step
        planned = state.max_steps
        if not self.fit_schedule or self._timed_from is None or not planned:
            return control
        timed_steps = state.global_step - self._timed_from[0]
        if timed_steps < FORECAST_AFTER_STEPS or timed_steps % FORECAST_AFTER_STEPS:
            return control
        per_step = (now - self._timed_from[1]) / timed_steps
        left = self.seconds - (now - self.start)
        forecast = state.global_step + int(left / per_step) if per_step > 0 else planned
        if forecast >= planned:
            return control
        if not self._wrapped:
            self._wrapped = self._wrap(kwargs.get("lr_scheduler"), planned)
            if not self._wrapped:
                self.fit_schedule = False
                log.info("time budget: the scheduler is not a LambdaLR; keeping the planned schedule")
                return control
        factor = max(self._factor, planned / max(1, forecast))
        if factor > self._factor * 1.02:
            self._factor = factor
            self.forecast_steps = forecast
            log.info("time budget: about %d of %d planned steps fit; schedule fitted to them", forecast, planned)
        return control
