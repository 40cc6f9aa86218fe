"""The bootstrap tokenizer: byte-level BPE with ChatML specials and single-digit tokens.

Why these choices:
- byte-level: any UTF-8 query (emoji, control characters, other scripts) encodes, no ``<unk>``;
- a Qwen2-style split regex (``\\p{N}`` one at a time): the relevance labels ``"0"/"1"/"2"``
  are single tokens, so a relevance score is one softmax over three logits;
- ChatML (``<|im_start|>role\\n...<|im_end|>``): the format a real Qwen2.5 base uses, so a
  downloaded checkpoint and ours go through the same prompt path (``apply_chat_template``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..prompting import check_chat_template, label_token_ids
from ..errors import QrwError

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

IM_START, IM_END, EOT = "<|im_start|>", "<|im_end|>", "<|endoftext|>"
SPECIAL_TOKENS = [EOT, IM_START, IM_END]
# check_chat_template and label_token_ids are defined once, in qrw.prompting (training and
# inference must agree on them), and re-exported here for the training code.
__all__ = ["EOT", "IM_END", "IM_START", "check_chat_template", "label_token_ids", "train_tokenizer"]

#: Qwen2's pre-tokenization regex: words keep one leading non-letter, digits split one by one.
SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

#: Qwen-style ChatML; rendering the prompt alone (+ generation prompt) is a prefix of
#: prompt + completion, which TRL's completion-only loss relies on.
CHATML_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def train_tokenizer(texts: Iterable[str], vocab_size: int = 4096, model_max_length: int = 256) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE on ``texts`` and wrap it for transformers (ChatML template, eos ``<|im_end|>``)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    if vocab_size < 300:
        raise QrwError(f"vocab_size {vocab_size} is too small: byte-level BPE needs 256 bytes + specials; use >= 300")
    tok = Tokenizer(models.BPE())
    # Exactly Qwen2's normalizer and pre-tokenizer: transformers may load a qwen2 model dir
    # with Qwen2Tokenizer, which rebuilds them, so train with the same ones.
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(SPLIT_PATTERN), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=IM_END,
        pad_token=EOT,
        bos_token=None,
        unk_token=None,
        chat_template=CHATML_TEMPLATE,
        model_max_length=model_max_length,
    )
    fast.padding_side = "left"  # generation and last-position scoring both want left padding
    label_token_ids(fast)  # fail here, not in SFT, if a label is not one token
    return fast
