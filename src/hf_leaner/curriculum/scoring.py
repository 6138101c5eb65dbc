"""Difficulty scorers: one number per document, higher = harder. A registry users extend.

    @register_scorer("my_scorer")
    def my_scorer(docs: Documents, trainer) -> np.ndarray: ...

or, in a ``CurriculumTrainer`` subclass, a method ``score_<name>(self, docs)`` that replaces the
registered scorer of that name. Scorers marked ``dynamic`` (self-loss) are re-run at every stage with
the model being trained; the others run once.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from hf_leaner.data.text_units import WORD_RE, count_sentences


@dataclass
class Documents:
    """The training documents as the scorers see them."""

    token_ids: list[np.ndarray]  # per document, without special tokens
    texts: list[str] | None = None
    columns: dict[str, list] = field(default_factory=dict)  # genre, precomputed difficulty, ...

    def __len__(self) -> int:
        return len(self.token_ids)

    def subset(self, idx) -> "Documents":
        idx = [int(i) for i in idx]
        return Documents([self.token_ids[i] for i in idx], [self.texts[i] for i in idx] if self.texts else None,
                         {k: [v[i] for i in idx] for k, v in self.columns.items()})


@dataclass(frozen=True)
class Scorer:
    name: str
    fn: Callable
    dynamic: bool = False


SCORERS: dict[str, Scorer] = {}


def register_scorer(name: str, dynamic: bool = False):
    def wrap(fn):
        SCORERS[name] = Scorer(name, fn, dynamic)
        return fn
    return wrap


def get_scorer(name: str) -> Scorer:
    if name not in SCORERS:
        raise ValueError(f"difficulty scorer {name!r}: choose one of {', '.join(sorted(SCORERS))} "
                         "(or register one with hf_leaner.curriculum.register_scorer)")
    return SCORERS[name]


@register_scorer("random")
def random_difficulty(docs: Documents, trainer) -> np.ndarray:
    return np.random.default_rng(trainer.args.seed).random(len(docs))


@register_scorer("sentence_length")
def mean_sentence_length(docs: Documents, trainer) -> np.ndarray:
    """Words per sentence (the definitions of ``hf-leaner stats``); token count when there is no text."""
    if docs.texts is None:
        return np.array([len(t) for t in docs.token_ids], dtype=np.float64)
    out = np.empty(len(docs))
    for i, text in enumerate(docs.texts):
        words = len(WORD_RE.findall(text))
        sentences = count_sentences(text)
        out[i] = words / max(sentences, 1)
    return out


def _token_counts(docs: Documents) -> np.ndarray:
    flat = np.concatenate(docs.token_ids) if len(docs) else np.zeros(0, dtype=np.int64)
    return np.bincount(flat.astype(np.int64))


@register_scorer("unigram_perplexity")
def unigram_perplexity(docs: Documents, trainer) -> np.ndarray:
    """Mean surprisal (nats/token) of the document under the corpus' add-one unigram model."""
    counts = _token_counts(docs).astype(np.float64) + 1.0
    logp = np.log(counts / counts.sum())
    return np.array([-logp[t].mean() if len(t) else 0.0 for t in docs.token_ids])


@register_scorer("bigram_perplexity")
def bigram_perplexity(docs: Documents, trainer, mix: float = 0.7) -> np.ndarray:
    """Mean surprisal under the corpus' bigram model, interpolated with the unigram model."""
    uni = _token_counts(docs).astype(np.float64) + 1.0
    puni = uni / uni.sum()
    v = len(uni)
    keys = np.concatenate([t[:-1].astype(np.int64) * v + t[1:] for t in docs.token_ids if len(t) > 1] or [np.zeros(0, np.int64)])
    bkeys, bcounts = np.unique(keys, return_counts=True)
    out = np.empty(len(docs))
    for i, t in enumerate(docs.token_ids):
        if len(t) < 2:
            out[i] = -np.log(puni[t]).mean() if len(t) else 0.0
            continue
        k = t[:-1].astype(np.int64) * v + t[1:]
        pos = np.searchsorted(bkeys, k)
        pos = np.minimum(pos, len(bkeys) - 1)
        c = np.where(bkeys[pos] == k, bcounts[pos], 0)
        p = mix * c / (uni[t[:-1]] - 1.0).clip(min=1.0) + (1 - mix) * puni[t[1:]]
        out[i] = -np.log(p).mean()
    return out


# ---------------------------------------------------------------------- cheap offline text signals
# (three of them - compression, lexical diversity, readability - are the best of the six that
# Beyond Random Sampling, arXiv 2506.11300, compared; none needs a model)

def _texts(docs: Documents, name: str) -> list[str]:
    if docs.texts is None:
        raise ValueError(f"the {name} difficulty reads the documents' text: pass documents with texts")
    return docs.texts


@register_scorer("compression_ratio")
def compression_ratio(docs: Documents, trainer) -> np.ndarray:
    """zlib-compressed size over raw size: repetitive, predictable text compresses well and is easy."""
    return np.array([len(zlib.compress(t.encode(), 9)) / max(len(t.encode()), 1) for t in _texts(docs, "compression")])


def _mtld_pass(words: list[str], threshold: float) -> float:
    factors, types, count = 0.0, set(), 0
    for w in words:
        count += 1
        types.add(w)
        if len(types) / count <= threshold:
            factors, types, count = factors + 1, set(), 0
    if count:  # the partial factor at the end
        ttr = len(types) / count
        factors += (1 - ttr) / (1 - threshold) if ttr < 1 else 0.0
    return len(words) / factors if factors else float(len(words))


def mtld(words: list[str], threshold: float = 0.72) -> float:
    """Measure of Textual Lexical Diversity (McCarthy & Jarvis 2010): mean length of word runs that keep the
    type-token ratio above ``threshold``, averaged over a forward and a backward pass."""
    if not words:
        return 0.0
    return (_mtld_pass(words, threshold) + _mtld_pass(words[::-1], threshold)) / 2


@register_scorer("lexical_diversity")
def lexical_diversity(docs: Documents, trainer) -> np.ndarray:
    """MTLD of the document's words: higher = more varied vocabulary = harder."""
    return np.array([mtld([w.lower() for w in WORD_RE.findall(t)]) for t in _texts(docs, "lexical_diversity")])


_VOWEL_GROUP = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """Vowel groups, less a silent final e: the usual heuristic behind Flesch scores."""
    word = word.lower()
    n = len(_VOWEL_GROUP.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and n > 1:
        n -= 1
    return max(n, 1)


@register_scorer("readability")
def readability(docs: Documents, trainer) -> np.ndarray:
    """Minus the Flesch reading ease (206.835 - 1.015 words/sentence - 84.6 syllables/word): higher = harder."""
    out = []
    for text in _texts(docs, "readability"):
        words = WORD_RE.findall(text)
        sentences = max(count_sentences(text), 1)
        per_word = sum(syllables(w) for w in words) / max(len(words), 1)
        out.append(-(206.835 - 1.015 * len(words) / sentences - 84.6 * per_word))
    return np.array(out)


@register_scorer("word_rarity")
def word_rarity(docs: Documents, trainer) -> np.ndarray:
    """Mean surprisal (nats/word) of the document's words under the corpus' own word frequencies."""
    tokenized = [[w.lower() for w in WORD_RE.findall(t)] for t in _texts(docs, "word_rarity")]
    counts: dict[str, int] = {}
    for words in tokenized:
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    total = sum(counts.values())
    return np.array([np.mean([math.log(total / counts[w]) for w in words]) if words else 0.0 for words in tokenized])


@register_scorer("self_loss", dynamic=True)
def self_loss(docs: Documents, trainer) -> np.ndarray:
    """Mean token loss of each document under the model being trained (no grad, batched)."""
    return trainer.document_losses(docs, trainer.scoring_model())


@register_scorer("lm_loss")
def lm_loss(docs: Documents, trainer) -> np.ndarray:
    """Mean token loss under a reference causal LM (``reference_model``: a folder or Hub id with the same
    tokenizer), or the values of a precomputed column (``difficulty_column``)."""
    args = trainer.args
    if args.difficulty_column:
        return column_difficulty(docs, trainer)
    if not args.reference_model:
        raise ValueError("lm_loss difficulty needs reference_model (a causal LM folder) or difficulty_column")
    return trainer.document_losses(docs, trainer.load_reference_model(args.reference_model), objective="clm")


@register_scorer("column")
def column_difficulty(docs: Documents, trainer) -> np.ndarray:
    name = trainer.args.difficulty_column
    if not name or name not in docs.columns:
        raise ValueError(f"difficulty_column {name!r} is not a column of the training data "
                         f"(columns: {', '.join(docs.columns) or 'none'})")
    return np.asarray(docs.columns[name], dtype=np.float64)


@register_scorer("source")
def source_order(docs: Documents, trainer) -> np.ndarray:
    """LEANER text before ORIGINAL text (the ``source`` column of a ``leaner+original-*`` corpus)."""
    sources = docs.columns.get("source")
    if sources is None:
        raise ValueError("difficulty 'source' needs a 'source' column: train on a leaner+original-* data_config")
    rank = {"leaner": 0.0, "original": 1.0}
    unknown = sorted(set(sources) - set(rank))
    if unknown:
        raise ValueError(f"difficulty 'source': unknown source value(s) {', '.join(map(str, unknown))}")
    return np.array([rank[s] for s in sources])


@register_scorer("genre")
def genre_order(docs: Documents, trainer) -> np.ndarray:
    """Documents ordered by genre (``genre_order``, e.g. conversation first), randomly within a genre."""
    genres = docs.columns.get("genre")
    if genres is None:
        raise ValueError("genre difficulty needs a 'genre' column in the training data")
    order = list(trainer.args.genre_order or sorted(set(genres)))
    rank = {g: i for i, g in enumerate(order)}
    missing = sorted(set(genres) - set(rank))
    if missing:
        raise ValueError(f"genre_order {order} does not list genre(s) {missing}")
    jitter = np.random.default_rng(trainer.args.seed).random(len(docs)) * 0.5
    return np.array([rank[g] for g in genres], dtype=np.float64) + jitter
