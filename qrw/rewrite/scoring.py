"""Which model scores the candidates, with which calibration and threshold: resolved once, on the driver.

Why its own step: GRPO trains only the rewrite task, so the policy's own tagging drifts
(docs/results.md); ``rewrite.scorer_model`` lets the night score with another model (the
SFT checkpoint, ``sft``, any model directory, or a ``qrw train relevance`` model) loaded beside the policy in the same
Python worker (``qrw.engine.get_engine`` caches one engine per model and settings). The
scorer's ``calibration.json`` (``qrw train calibrate``) maps its raw score to P(keeps
intent), and ``rewrite.min_relevance`` (``auto`` by default) is turned into the number the
job filters at by :func:`qrw.calibration.resolve_min_relevance`. The run records all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..calibration import Calibration, read_calibration, resolve_min_relevance
from ..config import QrwConfig
from ..errors import QrwError
from ..grounding import scoring_version
from ..manifest import MANIFEST, read_manifest, require_weights
from ..relevance_model import is_relevance_model


@dataclass(frozen=True)
class Scoring:
    """The scoring side of a run (picklable: it travels in :class:`qrw.rewrite.infer.InferSettings`)."""

    #: Model directory whose relevance task scores; equal to the policy's when it scores itself.
    model_dir: str
    model_version: str
    #: True when the policy scores its own candidates (no second engine).
    is_policy: bool
    calibration: Calibration | None
    min_relevance: float
    min_relevance_source: str
    #: Catalog titles each candidate is judged by (rewrite.grounding, qrw.grounding); 0: its own text.
    grounding: int = 0

    def summary(self) -> dict:
        """What the run summary and log say about scoring."""
        cal = self.calibration
        return {
            "scorer_model": self.model_dir,
            "scorer_model_version": self.model_version,
            "scorer_is_policy": self.is_policy,
            "calibration": None if cal is None else {"method": cal.method, "digest": cal.digest, "target_precision": cal.target_precision, "threshold": cal.threshold},
            "min_relevance_applied": self.min_relevance,
            "min_relevance_source": self.min_relevance_source,
            "grounding": self.grounding,
        }

    def settings(self) -> dict:
        """What changes the dictionary rows (into the run id)."""
        return {
            "scorer_model_version": None if self.is_policy else self.model_version,
            "calibration": None if self.calibration is None else self.calibration.digest,
            "min_relevance_applied": self.min_relevance,
            **({"grounding": self.grounding} if self.grounding else {}),
        }

    def dictionary_model_version(self, policy_version: str) -> str:
        """The rows' ``model_version``: the policy's, plus the scorer and calibration when they are not the policy's raw score.

        So the incremental skip (same model_version and fresh) redoes entries when only the
        scorer or its calibration changed.
        """
        parts = [policy_version]
        if not self.is_policy:
            parts.append(f"scorer:{self.model_version}")
        if self.grounding:
            parts.append(f"grounded{self.grounding}")
        if self.calibration is not None:
            parts.append(f"cal:{self.calibration.digest}")
        return "+".join(parts)


def scorer_dir(cfg: QrwConfig, policy: str) -> str:
    """The directory ``rewrite.scorer_model`` names (``sft``: the GRPO policy's base in its manifest)."""
    choice = cfg.rewrite.scorer_model
    if choice in (None, "", "policy"):
        return policy
    if choice == "sft":
        manifest = read_manifest(policy) if (Path(policy) / "config.json").exists() else {}
        base = manifest.get("base") if manifest.get("kind") == "grpo" else None
        if not base:
            raise QrwError(
                f"rewrite.scorer_model=sft needs a GRPO policy whose {MANIFEST} names its SFT base; "
                f"{policy} is a {manifest.get('kind') or 'model without a kind'}: pass the SFT model directory instead"
            )
        return str(base)
    return str(choice)


def resolve_scoring(cfg: QrwConfig, *, policy: str, policy_version: str) -> Scoring:
    """Check the scorer (clear errors before Spark starts) and resolve its calibration and threshold."""
    directory = scorer_dir(cfg, policy)
    is_policy = Path(directory).expanduser().resolve() == Path(policy).expanduser().resolve()
    fake = cfg.engine.kind in ("fake", "instant")
    lexical = not is_policy and is_relevance_model(directory)
    if is_policy:
        version = policy_version
    elif lexical:  # `qrw train relevance`: scores on the CPU beside any engine
        version = str(read_manifest(directory)["model_version"])
    elif fake:
        from ..engine import get_engine

        version = get_engine(cfg.engine, directory).model_version
    else:
        if not Path(directory).expanduser().is_dir():
            raise QrwError(f"rewrite.scorer_model: {directory} is not a model directory")
        require_weights(directory)
        version = str(read_manifest(directory)["model_version"])
    manifest_version = None if fake and not lexical else scoring_version(version, cfg.rewrite.grounding)
    cal = read_calibration(directory, manifest_version)
    threshold, source = resolve_min_relevance(cfg.rewrite.min_relevance, cal, directory)
    return Scoring(model_dir=directory, model_version=version, is_policy=is_policy, calibration=cal, min_relevance=threshold, min_relevance_source=source,
                   grounding=cfg.rewrite.grounding)
