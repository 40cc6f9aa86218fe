"""Typed configuration: ``conf/*.yaml`` profiles plus ``--set key=value`` overrides.

Every job receives a :class:`QrwConfig`, never a loose dict. Unknown keys are
errors that name the key (``extra="forbid"``), so a typo in a cron line fails
loudly instead of silently running defaults.

Each pipeline stage owns one section below; add fields to your own section.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import QrwError

CONF_DIR = Path(__file__).resolve().parent.parent / "conf"
DEFAULT_PROFILE = "local.yaml"


class ConfigError(QrwError, ValueError):
    """A profile, override or assignment that does not fit the schema; the message names the key.

    A QrwError, so a bad value set by a command (``--min-users 0``) is printed as one line
    by the CLI, not as a pydantic trace.
    """


def _problems(exc: ValidationError, prefix: str = "") -> str:
    return "; ".join(f"{prefix}{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())


#: Field marks (``json_schema_extra``) that say what a setting does to a run, kept on the field
#: itself so a new setting cannot be forgotten in some list elsewhere:
#: CALL_TIME: read per engine call (``qrw.engine.Decoding``), so not part of the engine cache key;
#: OPERATIONAL: does not change what a run writes, so not part of the run id (``qrw.rewrite.runs``).
CALL_TIME = "call_time"
OPERATIONAL = "operational"


def _call_time(default: Any, **kw: Any) -> Any:
    return Field(default, json_schema_extra={CALL_TIME: True}, **kw)


def _operational(default: Any = None, **kw: Any) -> Any:
    return Field(default, json_schema_extra={OPERATIONAL: True}, **kw)


def marked_fields(section: type[BaseModel], mark: str) -> frozenset[str]:
    """Names of ``section``'s fields carrying ``mark`` (CALL_TIME or OPERATIONAL)."""
    return frozenset(name for name, f in section.model_fields.items() if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get(mark))


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    def __setattr__(self, name: str, value: Any) -> None:
        """Assignments are validated too (``cfg.rewrite.min_users = 0`` fails, naming ``rewrite.min_users``)."""
        try:
            super().__setattr__(name, value)
        except ValidationError as exc:
            raise ConfigError(f"invalid setting {value!r}: {_problems(exc, _SECTION_PATHS.get(type(self), ''))}") from None


class SparkSection(Section):
    master: str | None = Field("local[2]", description="None: take it from spark-submit")
    app_name: str = "qrw"
    #: Extra Spark properties, passed as-is (e.g. spark.executor.memory).
    conf: dict[str, str] = Field(default_factory=dict)
    #: Folder with pre-fetched Delta JARs (`scripts/fetch_delta_jars.sh`); when
    #: set (or QRW_DELTA_JARS is), they go to spark.jars instead of Ivy resolution.
    delta_jars_dir: str | None = None
    #: Resolve Delta JARs from Maven Central with Ivy (cached under ivy_dir).
    resolve_delta_packages: bool = True
    ivy_dir: str = "~/.cache/qrw/ivy"
    shuffle_partitions: int = 8
    log_level: str = "WARN"


class PathsSection(Section):
    #: Root of everything `qrw demo` writes (world, training data, models, tables).
    data_dir: str = "qrw-data"


class InputSection(Section):
    #: Longest query (characters, after trimming) the readers accept.
    max_query_chars: int = 512
    #: Session cut when session_id is null: same user, gap above this.
    session_gap_minutes: int = 30


#: The large world's traffic defaults (sim.world=large), sized for >= 10,000 distinct logged
#: queries over its ~50k products; any of them set explicitly wins.
LARGE_WORLD: dict[str, Any] = {"intents": 1500, "users": 40000, "label_queries": 6000}


class SimSection(Section):
    seed: int = 7
    #: "small": the hand-written demo world; "large": the development benchmark (qrw.sim.large,
    #: ~50k products, >10k distinct queries); unless set, its traffic fields take LARGE_WORLD.
    world: Literal["small", "large"] = "small"
    #: Large world only: multiplies every product type's product count (33: ~53,000 products).
    catalog_scale: float = Field(33.0, gt=0)
    #: Multiplies users/sessions; 1.0 makes ~tens of thousands of events in seconds.
    scale: float = 1.0
    days: int = 7
    #: First day of the log window (UTC, ISO date).
    start_date: str = "2025-03-03"
    #: Shoppers at scale 1 (times `scale`); each has one or more sessions.
    users: int = 4000
    #: Hidden intents over the catalog (scale-independent, like the catalog).
    intents: int = 160
    #: Share of first queries typed in merchant words (the rest: gap forms).
    canonical_share: float = Field(0.45, ge=0.0, le=1.0)
    #: Sessions logged without a session_id (readers must cut them by the 30-minute gap).
    null_session_share: float = Field(0.2, ge=0.0, le=1.0)
    #: Click/cart/order rows logged without the query that led to them.
    null_query_share: float = Field(0.15, ge=0.0, le=1.0)
    #: First queries that are one-off typos (the singleton tail).
    fresh_typo_rate: float = Field(0.03, ge=0.0, le=1.0)
    #: Distinct queries judged in relevance_labels (a few products each).
    label_queries: int = 600

    @model_validator(mode="before")
    @classmethod
    def _large_world_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("world") == "large":
            return {**LARGE_WORLD, **data}
        return data


class DataSection(Section):
    """Training-data mining (qrw.data)."""

    min_pair_support: int = 2
    #: Splits by hashed normalized query (qrw.data.splits): dev for tuning and the trainers'
    #: held-out numbers, test for reported numbers only; the rest is train.
    dev_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    test_fraction: float = Field(0.1, ge=0.0, lt=1.0)
    #: Share of relevance-tagging examples in the SFT mixture (rest: rewrite generation), by
    #: downsampling the other task; None keeps every row of both (train.sft.relevance_share mixes).
    relevance_task_share: float | None = 0.5
    #: Engagement weights on the query-product graph: an order says more than a click.
    click_weight: float = 1.0
    add_to_cart_weight: float = 2.0
    order_weight: float = 4.0
    #: Graph signal: weighted Jaccard of the two queries' product weights at least this.
    min_graph_similarity: float = 0.1
    #: Graph signal: only the top queries of a product (by weight) enter the self-join,
    #: so one hot product cannot make the join quadratic.
    max_queries_per_product: int = 50
    #: Reformulation signal: a pair needs this share of q1's users who went on to succeed.
    min_reformulation_share: float = 0.1
    #: Graph signal: each query keeps its k most similar neighbours.
    graph_top_k: int = 1
    #: Drop pairs where one side only adds or drops words (narrows/widens the intent).
    drop_granularity_change: bool = True
    #: Catalog-derived targets: title words shared by this share of a query's engaged
    #: products (by weight) become a synthetic rewrite. Off by default: on the sample
    #: world most were attribute fragments, not queries (see docs/benchmarks.md).
    catalog_targets: bool = False
    catalog_word_share: float = 0.6
    catalog_target_max_words: int = 5
    #: Noisy-or weight of each signal in a pair's score (catalog targets are synthetic).
    catalog_signal_weight: float = 0.5
    #: Rewrites kept per query for the SFT rewrite task (best score first).
    max_rewrites_per_query: int = 3
    #: Relevance labels from behaviour: category-distribution similarity bounds.
    same_category_min_sim: float = 0.5
    different_category_max_sim: float = 0.1
    #: Product-overlap (weighted Jaccard) at or above which two queries share the intent.
    same_intent_min_overlap: float = 0.2
    #: Candidate pairs per shared word for hard negatives (keeps the word join linear).
    max_queries_per_word: int = 30
    #: Hard negatives of the kinds that fooled the tagger (qrw.data.labels), each its own ``source``:
    #: ``type_drift``: same brand or number token, disjoint categories (another engaged query, or
    #: a catalog title of another category); ``attribute_drift``: the query with one number/unit,
    #: gender or size word replaced by another value the catalog has for the query's category;
    #: ``reordered``: engaged queries with the same words in another order, graded by behaviour.
    type_drift_negatives: bool = True
    attribute_drift_negatives: bool = True
    reordered_pairs: bool = True
    #: type_drift: engaged queries per brand/number token entering the pair join (most searched first).
    max_queries_per_token: int = Field(30, ge=1)
    #: type_drift: catalog titles per brand/number token considered (hash order; keeps the join linear),
    #: titles kept per query, and the longest title (words) used as a rewrite.
    max_titles_per_token: int = Field(20, ge=1)
    type_drift_titles_per_query: int = Field(2, ge=0)
    type_drift_title_max_words: int = Field(10, ge=1)
    #: attribute_drift: synthetic rewrites per query, and their grade (0: the contradicting value
    #: leads to products the query excludes; 1 would call them stand-ins, like ESCI "substitute").
    attribute_drift_per_query: int = Field(2, ge=0)
    attribute_drift_grade: Literal[0, 1] = 0
    #: Each grade keeps at most this multiple of the smallest non-empty grade.
    label_balance_ratio: float = 1.0
    #: Products kept per query in behaviour (and compared by product_overlap).
    max_products_per_query: int = 50
    #: Products listed per GRPO prompt (most engaged first).
    max_grpo_products: int = 20
    #: Write corpus.txt (titles, descriptions, queries) for tokenizer/LM pretraining.
    write_corpus: bool = True


class ModelSizeSection(Section):
    """Shape of the bootstrapped Qwen2 decoder (~1.6M parameters at the defaults, with a 4k vocab).

    Sized for CPU minutes on a shared 2-core machine; grow it where there is a GPU.
    """

    hidden_size: int = 128
    intermediate_size: int = 512
    num_layers: int = 4
    #: head_dim = hidden_size / num_heads must be one vLLM's CPU backend supports (32, 64, 80, ...).
    #: 4 heads of 32 (not 2 of 64) at the same cost: relevance accuracy 0.40 -> 0.50 and the SFT
    #: rewrites kept the intent for 11 of 12 held-out queries instead of 8 (docs/results.md).
    num_heads: int = 4
    num_kv_heads: int = 4
    max_position: int = 256


class BootstrapSection(Section):
    """Tokenizer + small LM pretrained on catalog text and queries (the embedded default base)."""

    vocab_size: int = 4096
    model: ModelSizeSection = Field(default_factory=ModelSizeSection)
    #: Pretraining block length (whole texts are packed into blocks of at most this many tokens).
    seq_len: int = 256
    #: Also pretrain on (query => engaged title) rendered as rewrite-task chats (qrw.prompts).
    chat_pairs: bool = True
    #: Also pretrain on click-derived relevance-task chats (engaged title "2", unrelated title "0").
    #: Off: at demo budgets they taught no discrimination and diluted the rewrite chats (docs/results.md).
    click_relevance: bool = False
    batch_size: int = 16
    learning_rate: float = 1e-3
    max_steps: int = 1500
    #: Passes over the pretraining blocks; when set, the schedule is sized to the data
    #: (epochs x blocks / batch_size steps) and max_steps only caps it (issue #11: a fixed
    #: step count saw a 55k-product catalog about once, the small world many times).
    epochs: float | None = Field(None, gt=0)
    #: Budget in seconds on train.budget_clock; the schedule is fitted to the steps it allows
    #: (qrw.train.callbacks.TimeBudget), so a cut run still ends at a low learning rate.
    time_budget_s: float | None = 900
    #: Cap on texts gathered from catalog + queries + (query => clicked title) pairs.
    max_texts: int = 200_000


class SftSection(Section):
    """Multi-task SFT (rewrite generation + relevance tagging) with TRL."""

    #: Share of relevance-tagging rows in the training mixture: the task above its share keeps
    #: every row, the other is repeated to reach it. None: the mix the training-data job wrote
    #: (data.relevance_task_share).
    relevance_share: float | None = None
    #: Rewrite-generation rows only (the ablation's "generation-only SFT" arm, scripts/ablation.py).
    generation_only: bool = False
    max_examples: int | None = None
    epochs: float = 2.0
    max_steps: int = -1
    time_budget_s: float | None = None
    batch_size: int = 32
    grad_accum: int = 1
    #: Sized for the bootstrap model (5e-4: tagging 0.61, 2e-3: 0.55, docs/results.md); use ~1e-5
    #: (full) or ~2e-4 (LoRA) for a real base.
    learning_rate: float = 1e-3
    lr_scheduler: str = "cosine"
    warmup_ratio: float = 0.03
    max_length: int = 192
    save_steps: int = 200
    save_total_limit: int = 2
    #: Keep {out}/checkpoints after a successful run (they are what resume uses).
    keep_checkpoints: bool = False
    logging_steps: int = 25
    eval_batch_size: int = 64
    #: Cap on relevance_dev.jsonl rows scored at the end (None: all).
    max_eval_examples: int | None = 2000
    #: sft_dev.jsonl rows for the held-out loss at the end.
    max_eval_loss_rows: int = 512
    #: LoRA adapters (peft) instead of full fine-tuning, for large bases; merged before saving.
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: str | list[str] = "all-linear"


class RewardWeightsSection(Section):
    """Fusion weights of the GRPO reward parts (TRL reward_weights)."""

    relevance: float = 1.0
    conversion: float = 1.0
    rules: float = 0.5


class GrpoSection(Section):
    """GRPO (TRL, transformers generation) with the fused relevance + conversion + rules reward."""

    max_steps: int = 40
    time_budget_s: float | None = None
    prompts_per_step: int = 8
    num_generations: int = 4
    #: Sized for the bootstrap model; use ~1e-6..1e-5 for a real (100M+) base.
    learning_rate: float = 1e-4
    #: KL coefficient against the SFT model (0 = no reference model, TRL's default).
    beta: float = 0.0
    temperature: float = 1.0
    top_p: float = 1.0
    max_completion_length: int = 24
    weights: RewardWeightsSection = Field(default_factory=RewardWeightsSection)
    #: The relevance reward's judge: a `qrw train relevance` model dir (kind: relevance), or
    #: None for a frozen copy of the SFT model's own tagging (which a policy can learn to
    #: flatter where that tagging is weak; qrw.train.rewards). The demo sets its relevance model.
    relevance_scorer: str | None = None
    #: Conversion reward: BM25 top-K, gain per engaged product = orders/add_to_carts/clicks weights.
    retrieval_k: int = 10
    gain_orders: float = 3.0
    gain_add_to_carts: float = 2.0
    gain_clicks: float = 1.0
    #: Rules reward: bounded rewrite length.
    max_rewrite_chars: int = 80
    max_rewrite_words: int = 12
    #: Held-out grpo_dev.jsonl prompts (dev split) for the before/after reward comparison, and samples per prompt.
    eval_prompts: int = 128
    eval_generations: int = 8
    scorer_batch_size: int = 64
    save_steps: int = 20
    save_total_limit: int = 2
    keep_checkpoints: bool = False
    logging_steps: int = 5


class LexiconSection(Section):
    """``qrw train lexicon`` (qrw.lexicon): shoppers' words the catalog lacks -> merchants' words, from train behaviour."""

    #: A title word is a train query's target when this share of its engagement weight carries it.
    min_target_share: float = Field(0.6, gt=0.0, le=1.0)
    #: A word maps to a target that comes with it in this share of the train queries holding it ...
    min_share: float = Field(0.6, gt=0.0, le=1.0)
    #: ... and in at least this many of them.
    min_queries: int = Field(2, ge=1)
    #: Targets written per mapped word.
    max_targets: int = Field(1, ge=1)


class TrainSection(Section):
    """bootstrap / sft / grpo / lexicon (qrw.train)."""

    seed: int = 0
    #: torch intra-op threads (this machine is shared: keep it low).
    torch_threads: int = 2
    #: "auto" (CUDA when present), "cpu" or "cuda".
    device: Literal["auto", "cpu", "cuda"] = "auto"
    #: Clock for the *time_budget_s settings: this process's CPU seconds (all threads; the same
    #: amount of training on a busy or an idle machine) or wall seconds (use on GPUs).
    budget_clock: Literal["cpu", "wall"] = "cpu"
    bootstrap: BootstrapSection = Field(default_factory=BootstrapSection)
    sft: SftSection = Field(default_factory=SftSection)
    grpo: GrpoSection = Field(default_factory=GrpoSection)
    lexicon: LexiconSection = Field(default_factory=LexiconSection)


class EngineSection(Section):
    """One engine per executor (qrw.engine)."""

    #: vllm (production), hf (plain transformers), fake (unit tests), instant (zero-latency,
    #: benchmarks of the job's own overhead only: fixed candidates and scores).
    kind: Literal["vllm", "hf", "fake", "instant"] = "vllm"
    max_model_len: int = 256
    dtype: str = "float32"
    #: GiB of KV cache for vLLM on CPU (VLLM_CPU_KVCACHE_SPACE).
    cpu_kvcache_gb: int = _operational(1)
    gpu_memory_utilization: float = _operational(0.85)
    enable_prefix_caching: bool = _operational(True)
    #: vLLM KV block size in tokens; None = vLLM's default (16 on GPU, 128 on CPU). Prefix
    #: caching reuses whole blocks only, so short prompts need small blocks to share their system prompt.
    block_size: int | None = _operational(None)
    num_candidates: int = _call_time(4)
    temperature: float = _call_time(0.8)
    top_p: float = _call_time(0.95)
    max_new_tokens: int = 24
    seed: int = 0
    #: sample: n draws at temperature/top_p; beam: beam search of width n (deterministic).
    decoding: Literal["sample", "beam"] = _call_time("sample")
    #: Beam search only: score = sum logprob / len**length_penalty when ranking beams.
    beam_length_penalty: float = _call_time(1.0)
    #: hf engine only: prompts per forward/generate call.
    hf_batch_size: int = _operational(16)
    #: fake engine only: a query containing any of these substrings makes the call raise (fault tests).
    fake_fail_on: list[str] = Field(default_factory=list, json_schema_extra={OPERATIONAL: True})


class RewriteSection(Section):
    """The nightly batch job (qrw.rewrite)."""

    #: Privacy: a query is rewritten only when this many distinct users searched it (1: every query).
    #: Keep it equal to serve.min_users: rewriting queries that can never be published is wasted work.
    min_users: int = Field(2, ge=1)
    #: distinct_users counts the users of this many days ending at the window end, across runs
    #: (HyperLogLog sketches per query and day in {table}_user_sketches); None: every stored day.
    #: Days older than the window are deleted from the side table.
    users_window_days: int | None = Field(30, ge=1)
    #: log2 of the sketches' buckets (DataSketches HLL lgConfigK, 4..21): 12 is ~1.6% error on
    #: large counts; small counts (privacy thresholds) are exact at any value.
    users_sketch_lg_k: int = Field(12, ge=4, le=21)
    #: Days of searches before the window end (None: the whole log up to it).
    window_days: int | None = None
    #: Window end day (YYYY-MM-DD, inclusive); None: the day of the log's last event.
    date: str | None = None
    top_k: int = 3
    #: Candidates with a (calibrated) relevance below this are dropped. "auto": the threshold
    #: the scoring model's calibration.json records for target_precision (``qrw train
    #: calibrate``), or 0.5 for a model without one (qrw.calibration.resolve_min_relevance).
    min_relevance: float | Literal["auto"] = "auto"
    #: Precision on dev that the recorded threshold must reach (``qrw train calibrate``).
    target_precision: float = Field(0.9, gt=0.0, le=1.0)
    #: Calibration fitted by ``qrw train calibrate``: isotonic (default) or platt (qrw/calibration.py says why).
    calibration_method: Literal["isotonic", "platt"] = "isotonic"
    #: The model whose relevance task scores the candidates: None (the policy itself), "sft" (the
    #: SFT model a GRPO policy started from, which GRPO does not move), or a model directory.
    scorer_model: str | None = None
    #: The catalog (a path, as ``qrw rewrite --catalog``) whose nearest titles join the LLM's
    #: candidates (qrw.retrieval; the scorer keeps only those it trusts); None: LLM candidates only.
    catalog: str | None = None
    #: How many nearest catalog titles per query join the candidates when ``catalog`` is set (0: none).
    retrieval_candidates: int = Field(3, ge=0)
    #: When the titles join: ``always``, or ``no_match``: only for a null-result query, one no catalog
    #: title matches as typed nor as the lexicon spells it (qrw.retrieval.TitleIndex.matches), where
    #: a title can hardly push the query's own results out.
    retrieval_when: Literal["always", "no_match"] = "always"
    #: Score each candidate by the best of this many catalog titles it retrieves (qrw.grounding),
    #: not by its own text; needs ``catalog``, and a calibration fitted with the same setting. 0: off.
    grounding: int = Field(0, ge=0)
    #: A `qrw train lexicon` directory whose rewrite of each query (spelling fixed, shoppers' words
    #: mapped to the catalog's, qrw.lexicon) joins the candidates; None: no lexicon candidate.
    lexicon: str | None = None
    #: Refuse a model whose manifest's relevance_accuracy is not this far above its majority_rate
    #: (its scores rank and filter the rewrites); None: no check.
    min_tagging_margin: float | None = 0.05
    #: Eligibility of a normalized query, in characters.
    min_query_chars: int = 2
    max_query_chars: int = 128
    #: Segment filter by searches in the window: all, head (> tail_max_freq) or tail (<= tail_max_freq).
    segment: Literal["all", "head", "tail"] = "all"
    tail_max_freq: int = 5
    #: Skip queries whose entry is younger than ttl_days for the same model_version.
    incremental: bool = True
    ttl_days: float = 7.0
    #: Rerun even if this run_id already succeeded (incremental selection still applies).
    force: bool = _operational(False)
    #: Ranking: score = relevance_weight * relevance + likelihood_weight * exp(mean token logprob).
    relevance_weight: float = 0.7
    likelihood_weight: float = 0.3
    #: Longest rewrite kept (characters; cut at a word boundary).
    max_rewrite_chars: int = 96
    #: Engine slots = partitions of the inference stage; None: executors x GPUs (local[N]: N).
    slots: int | None = _operational(None)
    #: Queries per generate()/score() call inside a task: bounds worker memory, keeps batches large.
    chunk_size: int = _operational(512)
    #: Chunks a task holds at once (issue #16): with 2, the engine generates and scores chunk
    #: i+1 on a producer thread while the task ranks and emits chunk i; 1 = no overlap (one
    #: thread, the engine idle while a chunk is emitted). Memory grows by one chunk per step.
    inflight_chunks: int = _operational(2, ge=1)
    #: spark.sql.execution.arrow.maxRecordsPerBatch for the inference stage.
    arrow_batch_size: int = _operational(1024)
    #: Stage-level scheduling: GPUs (and CPUs, if set) each inference task requests; 0: no profile.
    gpus_per_task: float = _operational(0)
    cpus_per_task: int | None = _operational(None)
    #: Fault injection (tests): the first attempt of partition fail_partition raises after this many rows.
    fail_once_after: int | None = _operational(None)
    fail_partition: int = _operational(0)
    #: Progress bar when the master is local.
    progress: bool = _operational(True)
    #: LD_PRELOAD for the inference workers: "auto" = torch's libgomp for vllm on a local
    #: master (vLLM-CPU is several times slower without it); a path; or null for none.
    worker_preload: str | None = _operational("auto")


class PiiSection(Section):
    """Personal data kept out of what is published (qrw.serve.pii), on keys and rewrite texts.

    A key that carries one of ``kinds`` drops its whole entry; a rewrite that does drops
    only that rewrite. Look-alikes (model numbers, sizes, GTIN barcodes) pass: see qrw/serve/pii.py.
    """

    enabled: bool = True
    kinds: list[Literal["email", "phone", "card", "address"]] = Field(default_factory=lambda: ["email", "phone", "card", "address"])
    #: A run of digit groups (spaces, dashes, dots, parentheses between) with this many digits is a phone number.
    phone_min_digits: int = Field(9, ge=5)
    phone_max_digits: int = Field(15, ge=5)


class ServeSection(Section):
    """Publish gates, export, lookup (qrw.serve)."""

    pii: PiiSection = Field(default_factory=PiiSection)
    #: Redis online store (qrw.serve.redis_store): keys live under "{redis_namespace}:".
    redis_namespace: str = Field("qrw", min_length=1)
    #: After the live pointer moves, the previous key space expires after this many seconds
    #: (so a two-step reader that read the old pointer still finds its hash).
    redis_grace_s: int = Field(300, ge=1)
    #: A key space being loaded expires on its own after this long unless the switch makes it live
    #: (a killed loader leaves nothing behind for good).
    redis_loading_ttl_s: int = Field(86400, ge=60)
    #: Fields per HSET and commands per pipeline round trip while loading.
    redis_batch: int = Field(1000, ge=1)
    redis_pipeline_depth: int = Field(16, ge=1)
    redis_timeout_s: float = Field(5.0, gt=0)
    #: `qrw nightly`: where the per-table lock file lives (None: next to a local table,
    #: ~/.cache/qrw/locks for other URIs) and where the per-run logs go (None: {table}_nightly_logs).
    nightly_lock_dir: str | None = None
    nightly_log_dir: str | None = None

    #: Privacy: a query seen from fewer distinct users is never published.
    min_users: int = Field(2, ge=1)
    #: distinct_users counts the users of this many days ending at the window end, across runs
    #: (HyperLogLog sketches per query and day in {table}_user_sketches); None: every stored day.
    #: Days older than the window are deleted from the side table.
    users_window_days: int | None = Field(30, ge=1)
    #: log2 of the sketches' buckets (DataSketches HLL lgConfigK, 4..21): 12 is ~1.6% error on
    #: large counts; small counts (privacy thresholds) are exact at any value.
    users_sketch_lg_k: int = Field(12, ge=4, le=21)
    #: Coverage gate: share of publishable rows with a rewrite of relevance >= coverage_min_relevance.
    min_coverage: float = Field(0.3, ge=0, le=1)
    coverage_min_relevance: float = Field(0.5, ge=0, le=1)
    #: Churn gate: share of keys (in both versions) whose top rewrite changed. A new model
    #: legitimately churns more: publish it deliberately with --set serve.max_churn=1.
    max_churn: float = Field(0.3, ge=0, le=1)
    #: Size gate: publishable rows may fall by at most this share vs the published version.
    max_size_drop: float = Field(0.2, ge=0, le=1)
    #: Mean relevance of the top rewrite, over rows that have one.
    min_mean_top_relevance: float = Field(0.4, ge=0, le=1)
    #: Optional JSONL of {"query": ..., "expected": [words]}; a query hits when a rewrite holds an expected word.
    golden_set: str | None = None
    min_golden_hit_rate: float = Field(0.5, ge=0, le=1)
    #: Optional JSONL of labelled pairs {"query", "rewrite", "keeps_intent": true|false} (or "grade" 0-2,
    #: 2 = keeps): the nightly rewrite job scores them with its scoring model and records AUC, accuracy
    #: and the confusion counts in its run; publishing blocks below the minimums that follow
    #: (qrw.serve.gates.golden_relevance_gate). A bare file name is also looked up under conf/
    #: (conf/golden_relevance.jsonl: the sample world's).
    golden_relevance: str | None = None
    #: Does the scorer rank the labelled keeps above the drifts (threshold-free)? A shuffled or random scorer sits at 0.5.
    min_golden_relevance_auc: float | None = Field(0.75, ge=0, le=1)
    #: Of the golden pairs kept at the run's threshold, the share labelled keeps (checked when any is kept).
    min_golden_relevance_precision: float | None = Field(0.8, ge=0, le=1)
    #: Keep/drop accuracy at the run's threshold. Off by default: a threshold set for 90% precision
    #: drops many labelled keeps by design, which accuracy counts as errors.
    min_golden_relevance_accuracy: float | None = Field(None, ge=0, le=1)


class QrwConfig(Section):
    profile: str = "local"
    paths: PathsSection = Field(default_factory=PathsSection)
    spark: SparkSection = Field(default_factory=SparkSection)
    input: InputSection = Field(default_factory=InputSection)
    sim: SimSection = Field(default_factory=SimSection)
    data: DataSection = Field(default_factory=DataSection)
    train: TrainSection = Field(default_factory=TrainSection)
    engine: EngineSection = Field(default_factory=EngineSection)
    rewrite: RewriteSection = Field(default_factory=RewriteSection)
    serve: ServeSection = Field(default_factory=ServeSection)


def _section_paths(model: type[BaseModel], prefix: str = "") -> dict[type, str]:
    """Section class -> its dotted key prefix in QrwConfig (``RewriteSection`` -> ``rewrite.``)."""
    paths: dict[type, str] = {}
    for name, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, Section):
            paths[kind] = f"{prefix}{name}."
            paths.update(_section_paths(kind, f"{prefix}{name}."))
    return paths


_SECTION_PATHS: dict[type, str] = _section_paths(QrwConfig)


_FREEFORM_MAPS = {"conf"}


def _parse_scalar(text: str) -> Any:
    """`--set` values are YAML scalars: 3 -> int, true -> bool, null -> None, [a,b] -> list."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _apply_override(tree: dict, assignment: str) -> None:
    if "=" not in assignment:
        raise ConfigError(f"--set expects key=value, got {assignment!r} (e.g. --set engine.kind=hf)")
    key, value = assignment.split("=", 1)
    parts = key.strip().split(".")
    # Free-form maps (spark.conf) take the rest of the key whole and the value as text:
    # spark.conf.spark.driver.memory=2g
    raw = False
    for i, part in enumerate(parts[:-1]):
        if part in _FREEFORM_MAPS:
            parts, raw = parts[: i + 1] + [".".join(parts[i + 1 :])], True
            break
    node = tree
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {key}: {part!r} is not a section")
        node = child
    node[parts[-1]] = value if raw else _parse_scalar(value)


def _resolve_profile(conf: str | Path | None) -> Path:
    if conf is None:
        return CONF_DIR / DEFAULT_PROFILE
    path = Path(conf).expanduser()
    if not path.exists() and (CONF_DIR / path).exists():
        path = CONF_DIR / path
    if not path.exists() and (CONF_DIR / f"{path}.yaml").exists():
        path = CONF_DIR / f"{path}.yaml"
    if not path.exists():
        raise ConfigError(f"config file {conf} not found (profiles live in {CONF_DIR})")
    return path


def _read_profile(path: Path, seen: tuple[Path, ...] = ()) -> dict:
    """A profile's tree; ``extends: NAME`` starts from that profile and overrides it section by section."""
    if path in seen:
        raise ConfigError(f"{path} extends itself (via {' -> '.join(p.name for p in seen)})")
    try:
        tree = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(tree, dict):
        raise ConfigError(f"{path} must hold a mapping of sections")
    parent = tree.pop("extends", None)
    if parent is None:
        return tree
    return _deep_merge(_read_profile(_resolve_profile(parent), (*seen, path)), tree)


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_config(conf: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> QrwConfig:
    """Load a profile (default ``conf/local.yaml``; a bare name like ``cluster`` works) and apply overrides."""
    path = _resolve_profile(conf)
    tree = _read_profile(path)
    for assignment in overrides:
        _apply_override(tree, assignment)
    try:
        return QrwConfig.model_validate(tree)
    except ValidationError as exc:
        raise ConfigError(f"invalid config ({path.name}): {_problems(exc)}") from None
