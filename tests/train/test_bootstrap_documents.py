"""How bootstrap turns behaviour into pretraining documents (fast, no training)."""

from __future__ import annotations

import pytest

from qrw.train.bootstrap import chat_documents, click_relevance_documents, pack_blocks
from qrw.train.tokenizer import train_tokenizer

PAIRS = [
    "nike sneakers => Nike Air Zoom Running Shoes Black",
    "sony cans => Sony WH-1000 Wireless Headphones",
    "gym mat => Ikea Yoga Mat Blue 6 mm",
    "frying pann => Tefal Non-Stick Frying Pan 28 cm",
]


@pytest.fixture(scope="module")
def tok():
    return train_tokenizer([p.replace(" => ", " ") for p in PAIRS] * 20, vocab_size=400)


def test_rewrite_chats_put_the_normalized_title_in_the_assistant_turn(tok):
    docs = chat_documents(tok, PAIRS + ["no arrow here", " => only a title"])
    assert len(docs) == len(PAIRS)
    assert "Query: nike sneakers" in docs[0]
    # normalized, as the rewrites SFT and the batch job emit
    assert docs[0].rstrip().endswith("<|im_start|>assistant\nnike air zoom running shoes black<|im_end|>")


def test_click_relevance_pairs_the_engaged_title_with_2_and_an_unrelated_one_with_0(tok):
    docs = click_relevance_documents(tok, PAIRS, seed=0)
    assert len(docs) == 2 * len(PAIRS)
    for positive, negative in zip(docs[::2], docs[1::2]):
        query = positive.split("Query: ")[1].split("\n")[0]
        assert negative.split("Query: ")[1].split("\n")[0] == query
        assert positive.rstrip().endswith("assistant\n2<|im_end|>")
        assert negative.rstrip().endswith("assistant\n0<|im_end|>")
        pos_words = set(positive.split("Rewrite: ")[1].split("\n")[0].split())
        neg_words = set(negative.split("Rewrite: ")[1].split("\n")[0].split())
        assert not pos_words & neg_words  # the negative is really unrelated
    assert click_relevance_documents(tok, PAIRS[:1], seed=0) == []  # nothing to contrast with


def test_packing_keeps_documents_whole_unless_one_is_longer_than_a_block(tok):
    docs = chat_documents(tok, PAIRS) * 3
    lengths = [len(tok(d, add_special_tokens=False)["input_ids"]) + 1 for d in docs]
    seq_len = max(lengths) + 5
    blocks = pack_blocks(tok, docs, seq_len, seed=0)
    assert all(len(b) <= seq_len for b in blocks)
    assert sum(len(b) for b in blocks) == sum(lengths)  # nothing dropped, nothing cut
    short = pack_blocks(tok, docs, 16, seed=0)
    assert all(len(b) <= 16 for b in short) and sum(len(b) for b in short) == sum(lengths)


def test_the_schedule_is_sized_to_the_data_when_epochs_are_set():
    from qrw.train.bootstrap import planned_steps

    assert planned_steps(10_000, 16, 1500, None) == 1500  # no epochs: the fixed step count
    assert planned_steps(10_000, 16, 5000, 2.0) == 1250  # two passes over 10k blocks at batch 16
    assert planned_steps(100_000, 16, 5000, 2.0) == 5000  # capped by max_steps
    assert planned_steps(3, 16, 1500, 0.5) == 1
