"""The cluster path for real: a standalone master + two workers on loopback, Delta on both executors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.cluster
def test_job_runs_on_two_executors_with_gpu_slots_and_delta(standalone_master, tmp_path):
    out = tmp_path / "smoke"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "jobs" / "cluster_smoke.py"), "--master", standalone_master, "--out", str(out), "--gpus-per-task", "1"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["rows_written"] == 400
    assert len(summary["executors"]) == 2, summary  # both workers ran tasks
    # Each task held one GPU slot; the two workers advertise addresses "0" and "1".
    assert set(summary["gpu_by_partition"].values()) == {"0", "1"}, summary
    assert (out / "_delta_log").is_dir()
