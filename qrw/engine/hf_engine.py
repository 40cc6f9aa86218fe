"""The fallback engine: plain transformers, for machines without vLLM (and as a cross-check of it).

Same prompts (token ids from :class:`PromptBuilder`), same relevance math (softmax
over the label tokens' logits at the last prompt position), so the two engines'
scores on one model agree up to float noise — the engine tests compare them.

Why candidates' likelihood comes from a separate teacher-forced pass: with beam
search ``generate``'s per-step scores belong to beams, not to the returned
sequences, and with sampling they are the *processed* scores (after temperature
and top-p). One extra forward pass gives the raw model log-probability for both
decoding modes, the same quantity vLLM reports.
"""

from __future__ import annotations

import logging
import time

from ..config import EngineSection
from .base import Candidate, Decoding, EngineError, EngineStats, LabelScoring
from ..prompting import PromptBuilder

log = logging.getLogger(__name__)


class HfEngine(LabelScoring):
    kind = "hf"

    def __init__(self, cfg: EngineSection, model_dir: str, *, model_version: str, device: str | None = None) -> None:
        t0 = time.perf_counter()
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch = torch
        self.cfg = cfg
        self.model_dir = str(model_dir)
        self.model_version = model_version
        self.device = None if device is None else str(device)
        self.accelerator = "cuda" if torch.cuda.is_available() else "cpu"
        self.stats = EngineStats()
        self._batch_no = 0
        dtype = "auto" if cfg.dtype == "auto" else getattr(torch, cfg.dtype, None)
        if dtype is None:
            raise EngineError(f"engine.dtype={cfg.dtype!r} is not a torch dtype (use float32, bfloat16, float16 or auto)")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
            self.model = AutoModelForCausalLM.from_pretrained(self.model_dir, dtype=dtype).to(self.accelerator).eval()
        except OSError as exc:
            raise EngineError(f"transformers could not load {self.model_dir}: {exc}") from exc
        self.prompts = PromptBuilder(self.tokenizer, self.model_dir, cfg.max_model_len, cfg.max_new_tokens)
        pad = self.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else self.prompts.stop_ids[0]
        self.engine_start_seconds = time.perf_counter() - t0

    def __repr__(self) -> str:
        return f"HfEngine({self.model_dir!r}, {self.accelerator}, model_version={self.model_version!r})"

    # -- batching helpers ---------------------------------------------------------------------

    def _left_pad(self, seqs: list[list[int]]):
        """input_ids, attention_mask, position_ids for a left-padded batch (positions start at 0 per row)."""
        torch = self.torch
        width = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, s in enumerate(seqs):
            if s:
                ids[i, width - len(s) :] = torch.tensor(s, dtype=torch.long)
                mask[i, width - len(s) :] = 1
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        return ids.to(self.accelerator), mask.to(self.accelerator), pos.to(self.accelerator)

    def _batches(self, items: list):
        size = max(1, self.cfg.hf_batch_size)
        for start in range(0, len(items), size):
            yield items[start : start + size]

    # -- generation ---------------------------------------------------------------------------

    def generate(self, queries: list[str], decoding: Decoding) -> list[list[Candidate]]:
        """Up to ``decoding.n`` candidates per query, in input order (1 when greedy: same rule as vllm)."""
        if not queries:
            return []
        t0 = time.perf_counter()
        prompts = self.prompts.rewrite_prompts(list(queries))
        out: list[list[Candidate]] = []
        with self.torch.inference_mode():
            for batch in self._batches(prompts):
                out.extend(self._generate_batch(batch, decoding))
        self.stats.generate_calls += 1
        self.stats.queries += len(queries)
        self.stats.prompt_tokens += sum(len(p) for p in prompts)
        self.stats.generated_tokens += sum(c.num_tokens for cands in out for c in cands)
        self.stats.generate_seconds += time.perf_counter() - t0
        return out

    def _generate_batch(self, prompts: list[list[int]], decoding: Decoding) -> list[list[Candidate]]:
        n = decoding.n
        ids, mask, _ = self._left_pad(prompts)
        kwargs = dict(
            input_ids=ids,
            attention_mask=mask,
            max_new_tokens=self.cfg.max_new_tokens,
            num_return_sequences=n,
            eos_token_id=self.prompts.stop_ids,
            pad_token_id=self.pad_id,
        )
        if decoding.mode == "beam":
            kwargs.update(do_sample=False, num_beams=n, length_penalty=decoding.beam_length_penalty, early_stopping=True)
        elif decoding.greedy:
            kwargs.update(do_sample=False, num_beams=1)
        else:
            kwargs.update(do_sample=True, temperature=decoding.temperature, top_p=decoding.top_p, top_k=0)
        try:
            # generate() has no RNG argument: seed a forked global RNG per call, so results are
            # reproducible for a given call sequence and the caller's RNG state is untouched.
            with self.torch.random.fork_rng(devices=[]):
                self._batch_no += 1
                self.torch.manual_seed(self.cfg.seed + self._batch_no)
                seqs = self.model.generate(**kwargs)
        except Exception as exc:
            raise EngineError(f"transformers generate failed on a batch of {len(prompts)}: {exc}") from exc
        width = ids.shape[1]
        completions = []
        for row in seqs[:, width:].tolist():
            cut = next((i + 1 for i, t in enumerate(row) if t in self.prompts.stop_ids), len(row))
            completions.append(row[:cut])  # keep the stop token: its probability is part of the likelihood
        prompt_rows = [p for p in prompts for _ in range(n)]
        logprobs = self._completion_logprobs(prompt_rows, completions)
        out = []
        for i in range(len(prompts)):
            cands = []
            for j in range(i * n, (i + 1) * n):
                comp = completions[j]
                body = [t for t in comp if t not in self.prompts.stop_ids]
                cands.append(
                    Candidate(text=self.prompts.decode(body).strip(), logprob=logprobs[j] / max(len(comp), 1), num_tokens=len(comp))
                )
            out.append(cands)
        return out

    def _completion_logprobs(self, prompts: list[list[int]], completions: list[list[int]]) -> list[float]:
        """Sum of raw log p(completion token | prefix) per row, by one teacher-forced forward pass."""
        torch = self.torch
        full = [p + c for p, c in zip(prompts, completions)]
        ids, mask, pos = self._left_pad(full)
        logits = self.model(input_ids=ids, attention_mask=mask, position_ids=pos).logits.float()
        logp = torch.log_softmax(logits[:, :-1], dim=-1)
        target = ids[:, 1:]
        token_lp = logp.gather(-1, target.unsqueeze(-1)).squeeze(-1)
        width = ids.shape[1]
        sums = []
        for i, c in enumerate(completions):
            k = len(c)
            # completion tokens are the last k positions of row i; their predictions sit one step earlier
            sums.append(float(token_lp[i, width - 1 - k : width - 1].sum()) if k else 0.0)
        return sums

    # -- relevance ----------------------------------------------------------------------------

    def label_probs(self, pairs: list[tuple[str, str]]) -> list[dict[int, float]]:
        """grade -> probability (softmax over the label tokens only) for each pair: training's own scorer."""
        if not pairs:
            return []
        from ..train.scoring import label_probs_for_prompts

        prompts = self.prompts.relevance_prompts(list(pairs))
        try:
            out = label_probs_for_prompts(self.model, prompts, self.prompts.label_ids, self.pad_id, self.cfg.hf_batch_size)
        except Exception as exc:
            raise EngineError(f"transformers forward failed on a batch of {len(prompts)}: {exc}") from exc
        self.stats.prompt_tokens += sum(len(p) for p in prompts)
        return out

    def close(self) -> None:
        self.model = None
        if self.accelerator == "cuda":
            self.torch.cuda.empty_cache()
