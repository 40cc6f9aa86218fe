"""``qrw_model.json``: what a model directory is, read by every stage downstream.

``model_version`` (written into every dictionary row) comes from here, so the
batch job can tell which entries a new model must redo.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .errors import QrwError

MANIFEST = "qrw_model.json"


def write_manifest(model_dir: str | Path, **fields: Any) -> dict:
    """Write the manifest; ``model_version`` defaults to a content-derived id."""
    model_dir = Path(model_dir)
    fields.setdefault("model_version", f"{model_dir.name}-{_weights_digest(model_dir)}")
    (model_dir / MANIFEST).write_text(json.dumps(fields, indent=2, default=str))
    return fields


def read_manifest(model_dir: str | Path) -> dict:
    """The manifest, or a minimal one for a plain HF directory (e.g. a Qwen checkout)."""
    model_dir = Path(model_dir)
    path = model_dir / MANIFEST
    if not (model_dir / "config.json").exists():
        manifest = _parse_manifest(path) if path.exists() else {}
        if manifest.get("kind") == "relevance":  # `qrw train relevance` (qrw.relevance_model): no transformers config
            return manifest
        raise QrwError(f"{model_dir} is not a model directory (no config.json); train one with `qrw train sft`")
    if path.exists():
        return _parse_manifest(path)
    return {"model_version": f"{model_dir.name}-{_weights_digest(model_dir)}", "base": str(model_dir)}


def _parse_manifest(path: Path) -> dict:
    """The manifest's object; a clear error naming the file when it is empty, truncated or not an object."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QrwError(f"cannot read {path}: {exc}") from None
    if not text.strip():
        raise QrwError(f"{path} is empty; it should be the JSON object `qrw train` writes (with model_version)")
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise QrwError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}): truncated? Re-save the model") from None
    if not isinstance(manifest, dict):
        raise QrwError(f"{path} holds a JSON {type(manifest).__name__}, not an object with model_version")
    if not str(manifest.get("model_version") or "").strip():
        raise QrwError(f"{path} has no model_version")
    return manifest


#: File names that hold a transformers model's weights (single file, sharded index, or PyTorch bin).
WEIGHT_PATTERNS = ("*.safetensors", "*.safetensors.index.json", "*.bin", "*.bin.index.json")


def require_weights(model_dir: str | Path) -> None:
    """A clear error, before any engine or Spark starts, when ``model_dir`` holds no weights."""
    model_dir = Path(model_dir)
    if not any(any(model_dir.glob(p)) for p in WEIGHT_PATTERNS):
        raise QrwError(
            f"{model_dir} has no model weights (no *.safetensors or *.bin file): copy the whole model directory "
            "that `qrw train sft`/`qrw train grpo` wrote"
        )


def check_tagging_quality(manifest: dict, min_margin: float | None) -> str | None:
    """Refuse a model whose relevance tagging is no better than always guessing the commonest grade.

    The batch job ranks and filters rewrites by the model's own relevance score; a tagger
    at the majority rate makes that ranking noise, and no dictionary gate can see it.
    Returns a note when the manifest has no tagging metrics (a plain HF checkout: nothing
    to check), None when the model passes; raises QrwError when it does not.
    """
    if min_margin is None:
        return None
    metrics = manifest.get("metrics") or {}
    accuracy, majority = metrics.get("relevance_accuracy"), metrics.get("majority_rate")
    if accuracy is None or majority is None:
        return f"model {manifest.get('model_version')} records no relevance_accuracy: its tagging quality is unchecked"
    if accuracy < majority + min_margin:
        raise QrwError(
            f"model {manifest.get('model_version')} tags relevance at {accuracy:.3f} accuracy on its held-out pairs, "
            f"not {min_margin:.2f} above always guessing the commonest grade ({majority:.3f}): its relevance scores "
            "would rank and filter rewrites at random. Train it further (docs/results.md), or run anyway with "
            "--set rewrite.min_tagging_margin=null"
        )
    return None


def _weights_digest(model_dir: Path) -> str:
    digest = hashlib.sha256()
    for f in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")) + [model_dir / "config.json"]:
        if f.exists():
            stat = f.stat()
            digest.update(f"{f.name}:{stat.st_size}".encode())
            with open(f, "rb") as fh:
                digest.update(fh.read(1 << 20))
    return digest.hexdigest()[:12]
