"""Validation loss in a unit no tokenizer owns: bits per character.

    >>> pieces = text_pieces(corpus["validation"], chars_per_genre=8_000)
    >>> bits_per_char(SentenceScorer.from_pretrained("runs/llama"), pieces)
    {'bits_per_char': 2.41, 'chars': 55872, 'tokens': 14702, 'pieces': 204}

Two models with different tokenizers, or one tokenizer on two corpora, cannot be compared by loss per token: a
token covers more text in one case than the other. Loss per character can. The validation text is cut into the same
pieces for every model (at most ``max_chars`` characters, cut at sentence ends, at spaces inside a long sentence),
and each piece is scored from a document start by the family's own objective (:class:`SentenceScorer`): a true code
length for the causal and the permutation (read left to right) families; for a masked LM the pseudo-log-likelihood,
which compares two arms of one family but not one family with another.
"""

from __future__ import annotations

import math
import re

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def split_text(text: str, max_chars: int = 300) -> list[str]:
    """Sentences grouped into pieces of at most ``max_chars`` characters; lines never share a piece."""
    pieces = []
    for line in text.splitlines():
        current = ""
        for sentence in SENTENCE_END.split(line.strip()):
            for part in _cut(sentence, max_chars):
                if current and len(current) + 1 + len(part) > max_chars:
                    pieces.append(current)
                    current = ""
                current = f"{current} {part}" if current else part
        if current:
            pieces.append(current)
    return pieces


def _cut(sentence: str, max_chars: int) -> list[str]:
    """A sentence longer than ``max_chars`` in parts at spaces (a word longer than that, cut where it must be)."""
    parts, current = [], ""
    for word in sentence.split():
        while len(word) > max_chars:
            parts += [current] if current else []
            parts.append(word[:max_chars])
            current, word = "", word[max_chars:]
        if current and len(current) + 1 + len(word) > max_chars:
            parts.append(current)
            current = ""
        current = f"{current} {word}" if current else word
    return parts + ([current] if current else [])


def text_pieces(dataset, chars_per_genre: int = 8_000, max_chars: int = 300, text_column: str = "text") -> list[str]:
    """The first ``chars_per_genre`` characters of each genre (whole pieces, in document order) as pieces."""
    genres = dataset["genre"] if "genre" in dataset.column_names else None
    used: dict[str, int] = {}
    pieces = []
    for i, text in enumerate(dataset[text_column]):
        genre = genres[i] if genres else "all"
        for piece in split_text(text, max_chars):
            if used.get(genre, 0) >= chars_per_genre:
                break
            pieces.append(piece)
            used[genre] = used.get(genre, 0) + len(piece)
    return pieces


def fit_pieces(pieces: list[str], tokenizer, max_tokens: int) -> list[str]:
    """``pieces`` with every piece over ``max_tokens`` tokens halved (at a space, else mid-word) until all fit."""
    fitted, stack = [], list(reversed(pieces))
    while stack:
        piece = stack.pop()
        if len(piece) < 2 or len(tokenizer(piece, add_special_tokens=False)["input_ids"]) <= max_tokens:
            fitted.append(piece)
            continue
        middle = piece.find(" ", len(piece) // 2)
        middle = middle if middle > 0 else piece.rfind(" ", 0, len(piece) // 2)
        left, right = (piece[:middle], piece[middle + 1:]) if middle > 0 else (piece[:len(piece) // 2],
                                                                               piece[len(piece) // 2:])
        stack += [right, left]
    return fitted


def bits_per_char(scorer, pieces: list[str]) -> dict:
    """``-log2 P(text) / characters`` over ``pieces`` under ``scorer`` (a :class:`SentenceScorer`), with the counts.
    A piece longer than the model's positions is split first (a space lost per split, of ~300 characters)."""
    if not pieces:
        raise ValueError("no validation text to score")
    from hf_leaner.models import position_limit

    positions = position_limit(scorer.model.config)
    if positions:  # room for the start token and, in a masked LM, [CLS] and [SEP]
        pieces = fit_pieces(pieces, scorer.tokenizer, positions - 2)
    log_probs = scorer.log_probs(pieces)
    chars = sum(len(p) for p in pieces)
    tokens = sum(len(ids) for ids in scorer.tokenizer(pieces, add_special_tokens=False)["input_ids"])
    return {"bits_per_char": float(-log_probs.sum() / math.log(2) / chars), "chars": chars, "tokens": tokens,
            "pieces": len(pieces), "pseudo": scorer.pseudo, "reading": scorer.reading}
