"""`qrw train relevance` and `qrw train calibrate` on its model: from an export folder, no Spark."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from qrw.config import load_config
from qrw.errors import QrwError
from qrw.manifest import read_manifest
from qrw.train.calibrate import calibrate
from qrw.train.relevance import train_relevance

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_relevance_model import labelled_pairs  # noqa: E402


def _export(root: Path, train: list[dict], dev: list[dict]) -> Path:
    ex = root / "data" / "export"
    ex.mkdir(parents=True)
    for name, rows in (("relevance_train.jsonl", train), ("relevance_dev.jsonl", dev)):
        (ex / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root / "data"


def test_train_relevance_records_dev_tagging_numbers_and_calibrates(tmp_path):
    data = _export(tmp_path, labelled_pairs(1200, seed=0), labelled_pairs(300, seed=1))
    cfg = load_config(None, [])
    out = tmp_path / "relevance"
    manifest = train_relevance(cfg, data=str(data), out=str(out))
    m = manifest["metrics"]
    assert m["train_rows"] == 1200 and m["eval_split"] == "dev" and m["relevance_eval_rows"] == 300
    # The numbers qrw rewrite's tagging check reads, measured on dev rows the model did not fit.
    assert m["relevance_accuracy"] > m["majority_rate"] + 0.2 and m["relevance_auc"] > 0.9
    assert read_manifest(out)["model_version"] == manifest["model_version"]

    cal = calibrate(cfg, model=str(out), data=str(data))
    assert cal.threshold is not None and cal.precision_at_threshold >= 0.9 and cal.coverage_at_threshold > 0.1
    assert read_manifest(out)["calibration"]["digest"] == cal.digest


def test_train_relevance_without_the_train_pairs_says_what_to_run(tmp_path):
    (tmp_path / "data" / "export").mkdir(parents=True)
    (tmp_path / "data" / "export" / "sft_train.jsonl").write_text("")
    with pytest.raises(QrwError, match="build-training-data"):
        train_relevance(load_config(None, []), data=str(tmp_path / "data"), out=str(tmp_path / "out"))
