"""The prompt templates and relevance label tokens: the one home for both tasks.

The data jobs render SFT examples with these functions, the GRPO relevance
reward and the batch job's scorer read label probabilities through
``RELEVANCE_LABELS``. Change a template here and all three change together;
``PROMPT_VERSION`` goes into every model manifest so a mismatch is visible.

Messages are plain chat dicts (``{"role", "content"}``); the model's chat
template turns them into text, so a real HF base (e.g. Qwen2.5) works too.
"""

from __future__ import annotations

from .normalize import normalize

PROMPT_VERSION = "qrw-prompts-v3"

#: Longest query text (characters, after normalization) that goes into a prompt.
#: Longer queries are cut here, so a 5,000-character query cannot blow the context.
MAX_QUERY_CHARS = 128

#: Short on purpose: every prompt carries it, so its tokens are paid in every training step
#: and every batch-job prefill (v2's 33-token sentence was a third of a relevance prompt).
SYSTEM_PROMPT = "You rewrite shop search queries into product title words."

#: Graded relevance of a rewrite to the query's intent, and the single-token
#: completion the model is trained to emit for each grade. Digits are single
#: tokens in every common tokenizer (and in the one `qrw train bootstrap` builds).
RELEVANCE_LABELS: dict[int, str] = {2: "2", 1: "1", 0: "0"}
RELEVANCE_GRADE_MEANING = {2: "same intent", 1: "partly", 0: "different"}

TASK_REWRITE = "rewrite"
TASK_RELEVANCE = "relevance"


def prompt_query(query: str) -> str:
    """The query as it appears in a prompt: normalized and length-bounded."""
    return normalize(query)[:MAX_QUERY_CHARS].strip()


def rewrite_messages(query: str) -> list[dict[str, str]]:
    """Prompt for task 1: query -> a better query (the completion is the rewrite)."""
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Task: {TASK_REWRITE}\nQuery: {prompt_query(query)}"},
    ]


def relevance_instruction() -> str:
    """The first line of the relevance prompt: task name and what each label means."""
    grades = ", ".join(f"{RELEVANCE_LABELS[g]} {m}" for g, m in RELEVANCE_GRADE_MEANING.items())
    return f"Task: {TASK_RELEVANCE} ({grades})"


def instruction_texts() -> tuple[str, ...]:
    """Prompt text a rewrite must never contain: an echo of it means the model parroted its prompt."""
    return (SYSTEM_PROMPT, relevance_instruction(), f"Task: {TASK_REWRITE}")


def relevance_messages(query: str, rewrite: str) -> list[dict[str, str]]:
    """Prompt for task 2: does ``rewrite`` keep the intent of ``query``? (completion: a label)

    The instruction comes first and the rewrite last, right before the label is read:
    a small model learns the comparison far sooner when the compared text is near the
    label position (v1 put the instruction in between).
    """
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {
            "role": "user",
            "content": f"{relevance_instruction()}\nQuery: {prompt_query(query)}\nRewrite: {prompt_query(rewrite)}",
        },
    ]


def relevance_completion(grade: int) -> str:
    return RELEVANCE_LABELS[grade]


def relevance_from_probs(probs: dict[int, float]) -> float:
    """Expected relevance in [0, 1] from (renormalized) label probabilities."""
    total = sum(probs.get(g, 0.0) for g in RELEVANCE_LABELS)
    if total <= 0:
        return 0.0
    return sum(probs.get(g, 0.0) * g / 2 for g in RELEVANCE_LABELS) / total


def sft_example(task: str, prompt: list[dict[str, str]], completion: str) -> dict:
    """One SFT row in TRL's prompt-completion conversational format."""
    return {"task": task, "prompt": prompt, "completion": [{"role": "assistant", "content": completion}]}
