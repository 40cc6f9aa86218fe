"""`qrw train lexicon`: mines from the export's train split only, through the CLI's function and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from qrw.cli import main
from qrw.config import load_config
from qrw.errors import QrwError
from qrw.lexicon import load
from qrw.train.lexicon import train_lexicon

CATALOG = [
    {"product_id": "s1", "title": "Grey Fabric Sofa", "text": "grey fabric sofa home"},
    {"product_id": "s2", "title": "Beige Leather Sofa", "text": "beige leather sofa home"},
    {"product_id": "t1", "title": "Samsung 55 inch TV", "text": "samsung 55 inch tv electronics"},
    {"product_id": "t2", "title": "LG 43 inch TV", "text": "lg 43 inch tv electronics"},
]


def _row(query: str, *pids: str, orders: int = 0) -> dict:
    return {"prompt": [], "query": query, "query_norm": query,
            "products": [{"product_id": p, "clicks": 1, "add_to_carts": 0, "orders": orders} for p in pids]}


def _export(root: Path, train: list[dict], dev: list[dict], catalog: list[dict] = CATALOG) -> Path:
    ex = root / "export"
    ex.mkdir(parents=True)
    for name, rows in (("grpo_train.jsonl", train), ("grpo_dev.jsonl", dev), ("catalog.jsonl", catalog)):
        (ex / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def test_mines_train_behaviour_only_and_records_its_data(tmp_path):
    # "telly" is taught only by dev queries: it must not be learned (dev text reaches no training input)
    data = _export(tmp_path / "d", [_row("grey settee", "s1"), _row("leather settee", "s2", orders=1), _row("samsung 55", "t1")],
                   [_row("big telly", "t1"), _row("lg telly", "t2")])
    manifest = train_lexicon(load_config(None, []), data=str(data), out=str(tmp_path / "lex"))
    assert manifest["kind"] == "lexicon" and manifest["mapped_words"] == 1 and manifest["metrics"]["train_queries"] == 3
    assert "grpo_train.jsonl" in json.dumps(manifest["data"])
    lex = load(tmp_path / "lex")
    assert lex.terms == {"settee": ["sofa"]} and lex.rewrite("2 seater settee") is not None
    assert "telly" not in lex.terms and lex.rewrite("telly") is None


def test_settings_come_from_the_config_and_bad_exports_say_what_to_do(tmp_path):
    data = _export(tmp_path / "d", [_row("grey settee", "s1")], [])
    cfg = load_config(None, ["train.lexicon.min_queries=1"])
    assert train_lexicon(cfg, data=str(data), out=str(tmp_path / "lex"))["mapped_words"] == 1
    old = _export(tmp_path / "old", [_row("grey settee", "s1")], [], [{"product_id": "s1", "text": "grey fabric sofa"}])
    with pytest.raises(QrwError, match="no titles.*re-run"):
        train_lexicon(cfg, data=str(old), out=str(tmp_path / "x"))
    empty = _export(tmp_path / "empty", [], [])
    with pytest.raises(QrwError, match="grpo_train.jsonl"):
        train_lexicon(cfg, data=str(empty), out=str(tmp_path / "y"))


def test_the_cli_writes_a_lexicon_and_reports_a_clear_error(tmp_path):
    data = _export(tmp_path / "d", [_row("grey settee", "s1"), _row("leather settee", "s2")], [])
    ok = CliRunner().invoke(main, ["train", "lexicon", "--data", str(data), "--out", str(tmp_path / "lex")])
    assert ok.exit_code == 0, ok.output
    assert load(tmp_path / "lex").terms == {"settee": ["sofa"]}
    bad = CliRunner().invoke(main, ["train", "lexicon", "--data", str(tmp_path / "nothing"), "--out", str(tmp_path / "z")])
    assert bad.exit_code != 0 and "Traceback" not in bad.output and "build-training-data" in bad.output
