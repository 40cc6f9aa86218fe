"""`qrw train calibrate` on a real (tiny, random) model: dev scores -> calibration.json + manifest entry."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from qrw.calibration import read_calibration
from qrw.cli import main
from qrw.rewrite.scoring import resolve_scoring


def _dev_export(folder, n: int = 24) -> str:
    exp = folder / "export"
    exp.mkdir(parents=True)
    rows = [{"query": f"red shoes size {i}", "rewrite": f"red running shoes {i}", "grade": 2} for i in range(n)]
    rows += [{"query": f"red shoes size {i}", "rewrite": f"steel kettle {i} litre", "grade": 0 if i % 3 else 1} for i in range(n)]
    (exp / "relevance_dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(folder)


def test_calibrate_writes_the_calibration_and_the_manifest_names_it(cfg, tiny_base, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(tiny_base, model)
    data = _dev_export(tmp_path / "data")
    result = CliRunner().invoke(main, ["train", "calibrate", "--model", str(model), "--data", data, "--target-precision", "0.8",
                                       "--set", "train.sft.eval_batch_size=16"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    manifest = json.loads((model / "qrw_model.json").read_text())
    entry = manifest["calibration"]
    assert entry["file"] == "calibration.json" and entry["dev_pairs"] == 48 and entry["target_precision"] == 0.8
    cal = read_calibration(model, manifest["model_version"])
    assert cal.digest == entry["digest"] and cal.model_version == manifest["model_version"]
    assert cal.population["positives"] == 24 and cal.population["auc"] is not None
    # the CLI prints the calibration as JSON on stdout
    assert json.loads(result.stdout)["threshold"] == cal.threshold
    # the nightly job's resolution reads it back for this model
    scoring = resolve_scoring(cfg, policy=str(model), policy_version=manifest["model_version"])
    assert scoring.calibration == cal and "calibration.json" in scoring.min_relevance_source
    assert scoring.min_relevance == cal.threshold if cal.threshold is not None else scoring.min_relevance > 1.0


def test_calibrate_without_dev_pairs_is_a_clear_error(tiny_base, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(tiny_base, model)
    (tmp_path / "data" / "export").mkdir(parents=True)
    result = CliRunner().invoke(main, ["train", "calibrate", "--model", str(model), "--data", str(tmp_path / "data")])
    assert result.exit_code == 2 and "relevance_dev.jsonl" in result.output
    assert not (model / "calibration.json").exists()
