"""Words, sentences and the common-word list: the units the corpus statistics (and the sentence-length
curriculum) count in, defined once.

* a *word* is a maximal run of letters/digits with inner apostrophes (``don't``), lower-cased, with the
  typographic apostrophe folded to ``'``;
* a *sentence* is what the ``sentencex`` splitter (Wikimedia's rule-based splitter: abbreviations,
  initials, decimals and quotes handled; pure Python, no model download) finds inside one line; a line
  break always ends a sentence (headings, list items); only sentences with a word count;
* the *common words* are a fixed list: ``wordfreq``'s 2,000 most frequent English words (its data ships
  in the wheel, so this works offline), the paper's measure of a "2,000-word vocabulary".
"""

from __future__ import annotations

import re
from functools import lru_cache

WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# kept for callers that want the old, cheap rule (sentence ends at . ! ? + space, or a line break)
SENTENCE_SPLIT_RE = re.compile(r"[.!?]+[\"'”’)\]]*\s+|\n+")
_HAS_WORD_RE = re.compile(r"[^\W_]")
COMMON_WORDS = 2000


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower().replace("’", "'"))


def count_sentences(text: str) -> int:
    from sentencex import segment

    return sum(1 for line in text.split("\n") if _HAS_WORD_RE.search(line)
               for sentence in segment("en", line) if _HAS_WORD_RE.search(sentence))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence of ``text`` (same rules as :func:`count_sentences`); the gaps between
    spans are whitespace only, so ``text`` can be rebuilt exactly from them."""
    from sentencex import segment

    spans, offset = [], 0
    for line in text.split("\n"):
        cursor = 0
        for sentence in segment("en", line):
            piece = sentence.strip()
            start = line.find(piece, cursor) if piece else -1
            if start < 0:
                continue
            cursor = start + len(piece)
            spans.append((offset + start, offset + cursor))
        offset += len(line) + 1
    return spans


@lru_cache(maxsize=4)
def common_english_words(n: int = COMMON_WORDS) -> frozenset[str]:
    """The ``n`` most frequent English words (``wordfreq``), in the form :func:`words` produces."""
    from wordfreq import top_n_list

    return frozenset(w for entry in top_n_list("en", n) for w in words(entry))
