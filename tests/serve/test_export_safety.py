"""Issue #14, serving side: no torn snapshot, the umask, clear errors for bad targets and --min-users 0; Parquet."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
from click.testing import CliRunner

from qrw.cli import main
from qrw.errors import QrwError
from qrw.serve import export as export_mod
from qrw.serve.export import export
from qrw.serve.publish import publish
from serve_tables import good_rows, write_version

CLI_SET = ["--set", "spark.shuffle_partitions=2"]


def _pair(out):
    data = out.read_bytes()
    manifest = json.loads((out.parent / (out.name + ".manifest.json")).read_text())
    return data, manifest


def test_failed_manifest_leaves_the_previous_pair(spark, scfg, table, tmp_path, monkeypatch):
    v1 = write_version(spark, table, good_rows())
    publish(scfg, table=table)
    out = tmp_path / "serve" / "rewrites.jsonl"
    export(scfg, table=table, out=str(out))
    before = _pair(out)
    assert before[1]["dictionary_version"] == v1

    write_version(spark, table, good_rows(changed=[0]))
    publish(scfg, table=table)
    real_replace = os.replace

    def manifest_fails(src, dst, *a, **k):
        if str(dst).endswith(".manifest.json"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", manifest_fails)
    with pytest.raises(QrwError, match="No space left"):
        export(scfg, table=table, out=str(out))
    monkeypatch.setattr(os, "replace", real_replace)
    data, manifest = _pair(out)
    assert (data, manifest) == before  # the old pair, whole
    assert hashlib.sha256(data).hexdigest() == manifest["sha256"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["rewrites.jsonl", "rewrites.jsonl.manifest.json"]  # no temp left


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640)])
def test_exported_files_honour_the_umask(spark, scfg, table, tmp_path, umask, mode):
    write_version(spark, table, good_rows())
    publish(scfg, table=table)
    old = os.umask(umask)
    try:
        out = tmp_path / "rewrites.jsonl"
        export(scfg, table=table, out=str(out))
        pq = tmp_path / "rewrites.parquet"
        export(scfg, table=table, out=str(pq), fmt="parquet")
    finally:
        os.umask(old)
    for f in (out, pq, tmp_path / "rewrites.jsonl.manifest.json", tmp_path / "rewrites.parquet.manifest.json"):
        assert f.stat().st_mode & 0o777 == mode, f


def test_bad_export_targets_are_clear_errors(spark, scfg, table, tmp_path):
    write_version(spark, table, good_rows())
    publish(scfg, table=table)
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    cases = {
        str(tmp_path): "is a directory",
        str(a_file / "rewrites.jsonl"): "is a file, not a folder",
        "/proc/qrw-no-such-dir/rewrites.jsonl": "cannot write the export at /proc/qrw-no-such-dir/rewrites.jsonl",
    }
    for out, message in cases.items():
        result = CliRunner().invoke(main, ["export", "--table", table, "--out", out, *CLI_SET])
        assert result.exit_code == 2, (out, result.output, result.exception)
        assert message in result.output and "Traceback" not in result.output, result.output
    assert a_file.read_text() == "x"


def test_publish_min_users_zero_is_a_clear_error(spark, table):
    write_version(spark, table, good_rows())
    for bad in ("0", "-3"):
        result = CliRunner().invoke(main, ["publish", "--table", table, "--min-users", bad, *CLI_SET])
        assert result.exit_code == 2 and "min_users" in result.output and "Traceback" not in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_parquet_export_holds_the_jsonl_records(spark, scfg, table, tmp_path):
    write_version(spark, table, good_rows())
    publish(scfg, table=table)
    jsonl, pq = tmp_path / "serve" / "d.jsonl", tmp_path / "serve" / "d.parquet"
    export(scfg, table=table, out=str(jsonl))
    manifest = export(scfg, table=table, out=str(pq), fmt="parquet")
    import pyarrow.parquet as papq

    rows = papq.read_table(pq).to_pylist()
    assert [json.loads(line) for line in jsonl.read_text().splitlines()] == rows
    assert manifest["rows"] == len(rows) == 21 and manifest["sha256"] == hashlib.sha256(pq.read_bytes()).hexdigest()
    assert sorted(p.name for p in pq.parent.iterdir()) == ["d.jsonl", "d.jsonl.manifest.json", "d.parquet", "d.parquet.manifest.json"]


def test_export_module_keeps_its_writer_api():
    assert callable(export_mod.write_hadoop) and export_mod.manifest_path("x") == "x.manifest.json"
