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
    if not (model_dir / "config.json").exists():
        raise QrwError(f"{model_dir} is not a model directory (no config.json); train one with `qrw train sft`")
    path = model_dir / MANIFEST
    if path.exists():
        return json.loads(path.read_text())
    return {"model_version": f"{model_dir.name}-{_weights_digest(model_dir)}", "base": str(model_dir)}


def _weights_digest(model_dir: Path) -> str:
    digest = hashlib.sha256()
    for f in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")) + [model_dir / "config.json"]:
        if f.exists():
            stat = f.stat()
            digest.update(f"{f.name}:{stat.st_size}".encode())
            with open(f, "rb") as fh:
                digest.update(fh.read(1 << 20))
    return digest.hexdigest()[:12]
