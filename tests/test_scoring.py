"""Difficulty scorers against values computed independently here."""

import math
import zlib
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from hf_leaner.curriculum import SCORERS, Documents
from hf_leaner.curriculum.model_scoring import document_losses
from hf_leaner.curriculum.scoring import mtld

TEXTS = ["The cat sat on the mat.", "A dog, a cat, and a bird ran. They ran far!", "Go home now. It is late. Sleep."]
TOKENS = [np.array([1, 2, 3, 2, 1]), np.array([4, 2, 2, 5]), np.array([1, 1, 6])]
DOCS = Documents(TOKENS, TEXTS, {"genre": ["wiki", "book", "wiki"], "level": [3.0, 1.0, 2.0]})
TRAINER = SimpleNamespace(args=SimpleNamespace(seed=0, genre_order=["book", "wiki"], difficulty_column="level"))


def score(name):
    return np.asarray(SCORERS[name].fn(DOCS, TRAINER))


def test_unigram_and_bigram_perplexity():
    counts = Counter(int(t) for doc in TOKENS for t in doc)
    vocab, total = max(counts) + 1, sum(counts.values())
    p = lambda t: (counts.get(t, 0) + 1) / (total + vocab)  # add-one unigram
    expected = [np.mean([-math.log(p(int(t))) for t in doc]) for doc in TOKENS]
    assert score("unigram_perplexity") == pytest.approx(expected)
    pairs = Counter((int(a), int(b)) for doc in TOKENS for a, b in zip(doc[:-1], doc[1:]))
    bigram = [np.mean([-math.log(0.7 * pairs[(int(a), int(b))] / counts[int(a)] + 0.3 * p(int(b)))
                       for a, b in zip(doc[:-1], doc[1:])]) for doc in TOKENS]
    assert score("bigram_perplexity") == pytest.approx(bigram)


def test_genre_column_and_sentence_length():
    genre = score("genre")
    assert np.floor(genre).tolist() == [1, 0, 1] and ((genre - np.floor(genre)) < 0.5).all()
    assert score("column").tolist() == [3.0, 1.0, 2.0]
    assert score("sentence_length") == pytest.approx([6 / 1, 11 / 2, 7 / 3])  # words per sentence, by hand


def test_text_signals():
    assert score("compression_ratio") == pytest.approx([len(zlib.compress(t.encode(), 9)) / len(t.encode())
                                                        for t in TEXTS])
    # Flesch reading ease of "The cat sat on the mat.": 6 words, 1 sentence, 6 syllables -> 116.145
    assert score("readability")[0] == pytest.approx(-116.145)
    # MTLD: no factor completes in a run of distinct words (TTR stays 1), so MTLD is the length
    assert mtld("one two three four five".split()) == 5
    # "a b a b ...": TTR drops to 0.5 at the 4th word -> one factor per 4 words, forward and backward
    assert mtld("a b a b a b a b".split()) == pytest.approx(4.0)
    words = [w.strip(".,!").lower() for t in TEXTS for w in t.split()]
    freq = Counter(words)
    first = [w.strip(".,!").lower() for w in TEXTS[0].split()]
    assert score("word_rarity")[0] == pytest.approx(np.mean([math.log(len(words) / freq[w]) for w in first]))


def test_model_scoring_leaves_the_global_rng_alone():
    from accelerate import Accelerator

    from hf_leaner.models import build_model, make_config

    model = build_model(make_config("llama", "100K", vocab_size=16), seed=0)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    losses = document_losses(DOCS, model, "clm", accelerator=Accelerator(cpu=True), collator=None, block_size=8,
                             batch_size=2, seed=7)
    assert torch.equal(torch.get_rng_state(), before) and losses.shape == (3,) and np.isfinite(losses).all()
