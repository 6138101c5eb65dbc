"""The straightforward implementation of hf-leaner's corpus statistics: ``collections.Counter`` of tuples.

Same definitions as ``hf_leaner.data.stats`` (words, sentences, entropy in bits); used as the plain
alternative in ``bench_stats.py`` and as an oracle in the tests.
"""

from __future__ import annotations

import math
from collections import Counter

from hf_leaner.data.text_units import common_english_words, count_sentences, words as split_words


def _entropy(counter: Counter) -> float:
    total = sum(counter.values())
    return -sum(c / total * math.log2(c / total) for c in counter.values()) if total else 0.0


def counter_statistics(texts, tokenizer=None, max_n: int = 4, top_k: int = 2000) -> dict:
    word_grams = [Counter() for _ in range(max_n)]
    token_grams = [Counter() for _ in range(max_n)]
    docs = sentences = n_tokens = 0
    for text in texts:
        docs += 1
        words = split_words(text)
        sentences += count_sentences(text)
        for n in range(1, max_n + 1):
            word_grams[n - 1].update(tuple(words[i:i + n]) for i in range(len(words) - n + 1))
        if tokenizer is not None:
            ids = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
            n_tokens += len(ids)
            for n in range(1, max_n + 1):
                token_grams[n - 1].update(tuple(ids[i:i + n]) for i in range(len(ids) - n + 1))
    unigram = word_grams[0]
    n_words = sum(unigram.values())
    top = sum(c for _, c in unigram.most_common(top_k))
    common = common_english_words(top_k)
    in_common = sum(c for w, c in unigram.items() if w[0] in common)
    row = {"documents": docs, "words": n_words, "tokens": n_tokens if tokenizer is not None else None,
           "vocab_size": len(unigram), "type_token_ratio": len(unigram) / n_words if n_words else 0.0,
           "mean_sentence_length": n_words / sentences if sentences else 0.0,
           f"share_outside_top_{top_k}": 1 - in_common / n_words if n_words else 0.0,
           f"share_outside_corpus_top_{top_k}": 1 - top / n_words if n_words else 0.0}
    for n in range(1, max_n + 1):
        row[f"word_entropy_{n}"] = _entropy(word_grams[n - 1])
        row[f"token_entropy_{n}"] = _entropy(token_grams[n - 1]) if tokenizer is not None else None
    return row
