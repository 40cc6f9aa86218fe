"""TimeBudget: stops on its clock and fits the planned schedule to the steps the budget allows."""

from __future__ import annotations

import torch
from transformers import TrainerControl, TrainerState, get_cosine_schedule_with_warmup

from qrw.train import callbacks


def _run(monkeypatch, *, seconds: float, per_step: float, planned: int, fit: bool = True):
    """Drive the callback as the Trainer does, on a fake clock that advances ``per_step`` a step."""
    now = [0.0]
    monkeypatch.setattr(callbacks, "clock", lambda kind: now[0])
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = get_cosine_schedule_with_warmup(opt, num_warmup_steps=2, num_training_steps=planned)
    budget = callbacks.TimeBudget(seconds, "cpu", fit_schedule=fit)
    state, control = TrainerState(), TrainerControl()
    state.max_steps = planned
    budget.on_train_begin(None, state, control)
    lrs = []
    while state.global_step < planned:
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        state.global_step += 1
        now[0] += per_step
        budget.on_step_end(None, state, control, optimizer=opt, lr_scheduler=sched)
        if control.should_training_stop:
            break
    return budget, state.global_step, lrs


def test_a_budget_that_cuts_the_run_gets_the_whole_schedule(monkeypatch):
    budget, steps, lrs = _run(monkeypatch, seconds=100, per_step=1.0, planned=300)
    assert budget.forecast_steps is not None and 90 <= budget.forecast_steps <= 101
    assert steps <= 101
    assert lrs[-1] < 0.05  # annealed by the time the budget stops it


def test_without_fitting_the_cut_run_stops_at_a_high_rate(monkeypatch):
    """The negative control: the planned schedule, cut at a third, ends near its peak."""
    budget, steps, lrs = _run(monkeypatch, seconds=100, per_step=1.0, planned=300, fit=False)
    assert budget.stopped_early and budget.forecast_steps is None
    assert lrs[-1] > 0.6


def test_a_budget_with_room_leaves_the_schedule_alone(monkeypatch):
    budget, steps, lrs = _run(monkeypatch, seconds=1000, per_step=1.0, planned=300)
    assert budget.forecast_steps is None and not budget.stopped_early and steps == 300
    ref = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    ref_sched = get_cosine_schedule_with_warmup(ref, num_warmup_steps=2, num_training_steps=300)
    expected = []
    for _ in range(300):
        ref.step()
        ref_sched.step()
        expected.append(ref.param_groups[0]["lr"])
    assert lrs == expected
