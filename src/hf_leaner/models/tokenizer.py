"""Small byte-level BPE tokenizers (2,000 tokens by default, as in the paper) for each model family.

``train_tokenizer`` runs the ``tokenizers`` BPE trainer over any stream of texts and returns a
``PreTrainedTokenizerFast`` with the special tokens and the post-processing its objective needs:

* ``clm`` (LLaMA, Mamba): one ``<|endoftext|>`` token serves as BOS, EOS and PAD (documents are packed
  with it in between); ``<unk>`` stands for tokens a vocabulary curriculum has not admitted yet.
* ``mlm`` (BERT): ``[PAD] [UNK] [CLS] [SEP] [MASK]``, sequences wrapped as ``[CLS] A [SEP] (B [SEP])``.
* ``plm`` (XLNet): ``<unk> <s> </s> <cls> <sep> <pad> <mask> <eod> <eop>``, sequences end with
  ``<sep> <cls>`` and are padded on the left, as XLNet expects.

It saves and loads like any tokenizer (``save_pretrained`` / ``AutoTokenizer.from_pretrained``).
"""

from __future__ import annotations

from typing import Iterable

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from .presets import OBJECTIVE

FAMILY_OF_ARCH = OBJECTIVE  # architecture -> its family (objective), from the presets
SPECIAL_TOKENS = {
    "clm": {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
            "unk_token": "<unk>"},
    "mlm": {"pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]",
            "mask_token": "[MASK]"},
    "plm": {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>", "cls_token": "<cls>",
            "sep_token": "<sep>", "pad_token": "<pad>", "mask_token": "<mask>",
            "additional_special_tokens": ["<eod>", "<eop>"]},
}


def _special_list(family: str) -> list[str]:
    out = []
    for key, value in SPECIAL_TOKENS[family].items():
        for tok in value if isinstance(value, list) else [value]:
            if tok not in out:
                out.append(tok)
    return out


def train_tokenizer(texts: Iterable[str], family: str = "clm", vocab_size: int = 2000,
                    model_max_length: int = 1024, min_frequency: int = 2, show_progress: bool = False,
                    length: int | None = None) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer of ``vocab_size`` tokens (special tokens included)."""
    if family not in SPECIAL_TOKENS:
        family = FAMILY_OF_ARCH.get(family, family)
    if family not in SPECIAL_TOKENS:
        raise ValueError(f"family {family!r}: choose clm, mlm, plm (or an architecture: {', '.join(FAMILY_OF_ARCH)})")
    specials = _special_list(family)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=show_progress)
    tok.train_from_iterator(texts, trainer=trainer, length=length)
    ids = {t: tok.token_to_id(t) for t in specials}
    if family == "mlm":
        tok.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
            special_tokens=[("[CLS]", ids["[CLS]"]), ("[SEP]", ids["[SEP]"])])
    elif family == "plm":
        tok.post_processor = processors.TemplateProcessing(
            single="$A <sep> <cls>:2", pair="$A <sep> $B:1 <sep>:1 <cls>:2",
            special_tokens=[("<sep>", ids["<sep>"]), ("<cls>", ids["<cls>"])])
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=model_max_length,
                                   padding_side="left" if family == "plm" else "right",
                                   **SPECIAL_TOKENS[family])
    return fast


def compare_tokenizers(tokenizers: dict, texts: list[str]) -> list[dict]:
    """Fertility (tokens per word) and coverage of several tokenizers on the same texts."""
    from hf_leaner.data.stats import WORD_RE

    words = sum(len(WORD_RE.findall(t)) for t in texts)
    rows = []
    for name, tok in tokenizers.items():
        ids = [e.ids for e in tok.backend_tokenizer.encode_batch_fast(texts, add_special_tokens=False)]
        n = sum(len(x) for x in ids)
        used = len({i for x in ids for i in x})
        rows.append({"tokenizer": name, "vocab": len(tok), "tokens": n, "tokens_per_word": n / max(words, 1),
                     "vocab_used": used})
    return rows


def load_tokenizer(path):
    """``AutoTokenizer.from_pretrained``, falling back to the folder's ``tokenizer.json`` + special-tokens map.

    The fallback loads tokenizers whose declared class no longer reads their files: the release's
    ``xlnet-2K`` says ``XLNetTokenizer`` (a SentencePiece class) but ships a byte-level BPE ``tokenizer.json``.
    """
    import json
    from pathlib import Path

    from transformers import AutoTokenizer

    from hf_leaner.utils.errors import LeanerDataError

    try:
        return AutoTokenizer.from_pretrained(path)
    except Exception as error:  # noqa: BLE001 -- the tokenizers library raises a bare Exception on a cut file
        folder = Path(path)
        if not (folder / "tokenizer.json").is_file() or not isinstance(error, (TypeError, ValueError, OSError)):
            if folder.is_dir():  # a folder whose tokenizer files cannot be read: name it, not the parser's state
                raise LeanerDataError(f"{folder}: its tokenizer files cannot be read ({str(error).splitlines()[0]}); "
                                      "a cut or foreign tokenizer.json?") from None
            raise
        specials = {}
        if (folder / "special_tokens_map.json").is_file():
            for key, value in json.loads((folder / "special_tokens_map.json").read_text()).items():
                specials[key] = value["content"] if isinstance(value, dict) else value
        try:
            tok = PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"), **specials)
        except Exception as exc:  # noqa: BLE001 -- as above
            raise LeanerDataError(f"{folder / 'tokenizer.json'}: cannot be read ({str(exc).splitlines()[0]}); a cut "
                                  "or foreign file?") from None
        tok.init_kwargs["loaded_from"] = f"tokenizer.json (AutoTokenizer failed: {type(error).__name__})"
        return tok
