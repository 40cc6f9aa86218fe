"""Leakage audit: does any dev or test query appear in what training actually read?

It reads the artifacts as written, not the code that wrote them:

* the bootstrap model's ``bootstrap_documents.jsonl.gz`` (tokenizer corpus and LM
  documents, qrw.train.bootstrap);
* the training-data export's ``sft_train.jsonl``, ``grpo_train.jsonl`` and ``corpus.txt``;

and searches them for every held-out query of ``query_splits.jsonl``. A *query
field* is any place a query can sit: a query document, the left side of a
``query => title`` pair, every ``Query:`` and ``Rewrite:`` line of a rendered
prompt, a rewrite-task completion, a GRPO prompt's query, a corpus line. Each is
normalized (qrw.normalize, the lookup key) and looked up in the held-out set. Catalog
documents are catalog text, not query text, and are not searched; the assistant turn
of a bootstrap chat is a product title, also catalog text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from ..data.splits import HELD_OUT
from ..normalize import normalize

#: A "Query: ..." or "Rewrite: ..." line of a rendered prompt, without a trailing ChatML end marker.
_FIELD = re.compile(r"^(?:Query|Rewrite): (.*?)(?:<\|im_end\|>)?$", re.MULTILINE)
#: Catalog-derived sources in the bootstrap documents: not query text.
CATALOG_SOURCES = ("catalog",)
EXAMPLES = 5


def held_out_queries(data: str | Path) -> dict[str, str]:
    """normalized query -> 'dev' / 'test', from the training-data job's ``query_splits.jsonl``."""
    from ..train.data import query_splits

    return {q: s for q, s in query_splits(data).items() if s in HELD_OUT}


def _prompt_fields(text: str) -> list[str]:
    return [m.strip() for m in _FIELD.findall(text)]


def _bootstrap_fields(base: Path) -> Iterator[tuple[str, str]]:
    from ..train.bootstrap import read_documents

    for doc in read_documents(base):
        where, source, text = f"bootstrap/{doc['use']}/{doc['source']}", doc["source"], doc["text"]
        if source in CATALOG_SOURCES:
            continue
        if source == "query":
            yield where, text
        elif source == "pair":
            yield where, text.partition(" => ")[0]
        for field in _prompt_fields(text):  # chats, click-relevance chats, prompt texts
            yield where, field


def _export_fields(export: Path) -> Iterator[tuple[str, str]]:
    from ..train.data import CORPUS, GRPO_TRAIN, RELEVANCE_TRAIN, SFT_TRAIN, read_jsonl

    for row in read_jsonl(export / SFT_TRAIN, required=False):
        for message in row.get("prompt", []):
            for field in _prompt_fields(message.get("content", "")):
                yield "sft_train", field
        if row.get("task") == "rewrite":
            for message in row.get("completion", []):
                yield "sft_train/completion", message.get("content", "")
    for row in read_jsonl(export / GRPO_TRAIN, required=False):
        yield "grpo_train", row.get("query") or ""
        yield "grpo_train", row.get("query_norm") or ""
        for message in row.get("prompt", []):
            for field in _prompt_fields(message.get("content", "")):
                yield "grpo_train", field
    for row in read_jsonl(export / RELEVANCE_TRAIN, required=False):  # the relevance model's training pairs
        yield "relevance_train", row.get("query") or ""
        yield "relevance_train", row.get("rewrite") or ""
    corpus = export / CORPUS
    if corpus.exists():
        for line in corpus.read_text(encoding="utf-8").splitlines():
            yield "corpus.txt", line


def audit(data: str | Path, base: str | Path | None = None, catalog_titles: set[str] | None = None) -> dict:
    """Count held-out queries found in the training artifacts (0 = no leak), with examples per artifact.

    ``catalog_titles`` (normalized): corpus.txt lines that are catalog titles or
    descriptions are catalog text even when they read like a held-out query; pass
    them to exempt those lines (the corpus file does not say where a line came from).
    """
    from ..train.data import export_dir

    held = held_out_queries(data)
    sources = [_export_fields(export_dir(data))]
    if base is not None:
        sources.insert(0, _bootstrap_fields(Path(base)))
    checked: dict[str, int] = {}
    hits: dict[str, dict[str, str]] = {}
    for fields in sources:
        for where, text in fields:
            key = normalize(text)
            checked[where] = checked.get(where, 0) + 1
            if key in held and not (where == "corpus.txt" and catalog_titles and key in catalog_titles):
                hits.setdefault(where, {})[key] = held[key]
    found = {q for h in hits.values() for q in h}
    return {
        "held_out_queries": len(held),
        "by_split": {s: sum(v == s for v in held.values()) for s in HELD_OUT},
        "fields_checked": dict(sorted(checked.items())),
        "leaked_queries": len(found),
        "leaks_by_artifact": {w: len(h) for w, h in sorted(hits.items())},
        "examples": {w: sorted(h)[:EXAMPLES] for w, h in sorted(hits.items())},
    }


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - convenience: python -m qrw.eval.leakage DATA [BASE]
    import sys

    args = argv if argv is not None else sys.argv[1:]
    print(json.dumps(audit(args[0], args[1] if len(args) > 1 else None), indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
