"""Shared helpers for the training-data tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Built:
    """One finished run: its inputs, output folder and summary."""

    inputs: dict
    out: Path
    summary: dict

    def table(self, spark, name: str):
        return spark.read.format("delta").load(str(self.out / "tables" / name))

    def jsonl(self, name: str) -> list[dict]:
        text = (self.out / "export" / name).read_text()
        return [json.loads(line) for line in text.splitlines() if line.strip()]
