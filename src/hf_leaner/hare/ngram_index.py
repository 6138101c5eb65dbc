"""A hashed n-gram index of benchmark items, and the overlap test HARE decontaminates with.

Text is normalised to lowercase words without punctuation (NFKC first, so curly quotes and ligatures
match their plain forms); each word becomes a stable 64-bit value (blake2b), and an n-gram's hash is a
position-weighted sum of its words' values (uint64 arithmetic wraps, numpy does it for a whole document
at once). A benchmark *segment* (one field of one item, e.g. an MNLI premise) with fewer than ``n``
words is indexed as one n-gram of its own length, if it has at least ``min_words`` words (GPT-3 did the
same for short items); shorter segments cannot be told apart from common phrases and are counted as
unchecked.

A document is contaminated by a segment when more than ``threshold`` of the segment's distinct n-grams
occur in the document (HARE: > 50 %). Words that occur in no benchmark get the value 0 and every n-gram
holding one is skipped, which is most of a document's n-grams.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

WORD_RE = re.compile(r"[^\W_]+")
_MIX = np.array([int.from_bytes(hashlib.blake2b(f"position {j}".encode(), digest_size=8).digest(), "little") | 1
                 for j in range(64)], dtype=np.uint64)  # odd multipliers: distinct per position in the n-gram


def normalize_words(text: str) -> list[str]:
    """Lowercase words, punctuation and spacing dropped: ``"Don't  STOP!"`` -> ``["don", "t", "stop"]``."""
    return WORD_RE.findall(unicodedata.normalize("NFKC", text).lower())


def word_value(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little") | 1  # never 0


def ngram_hashes(values: np.ndarray, n: int, with_starts: bool = False):
    """Hashes of every n-gram of ``values`` (uint64 word values, 0 = a word no benchmark has), skipping
    n-grams that hold a 0; with ``with_starts`` also where each kept n-gram starts."""
    count = len(values) - n + 1
    if count <= 0:
        empty = np.empty(0, dtype=np.uint64)
        return (empty, np.empty(0, dtype=np.int64)) if with_starts else empty
    h = np.zeros(count, dtype=np.uint64)
    for j in range(n):
        h += values[j:j + count] * _MIX[j]
    unknown = np.concatenate(([0], np.cumsum(values == 0)))
    ok = (unknown[n:] - unknown[:count]) == 0
    return (h[ok], np.flatnonzero(ok)) if with_starts else h[ok]


@dataclass
class Segment:
    benchmark: str
    item_id: object
    field: str
    text: str
    control: bool = False


@dataclass
class NGramIndex:
    """Every segment's distinct n-gram hashes, sorted for ``np.searchsorted``."""

    n: int = 8
    threshold: float = 0.5
    min_words: int = 5
    segments: list[Segment] = field(default_factory=list)
    unchecked: dict = field(default_factory=dict)  # benchmark -> segments too short to index

    def build(self, segments: list[Segment]) -> "NGramIndex":
        vocab: dict[str, int] = {}
        by_length: dict[int, list] = {}  # n-gram length -> [(segment number, word values)]
        for seg in segments:
            words = normalize_words(seg.text)
            if len(words) < self.min_words:
                self.unchecked[seg.benchmark] = self.unchecked.get(seg.benchmark, 0) + 1
                continue
            values = [vocab.setdefault(w, word_value(w)) for w in words]
            by_length.setdefault(min(self.n, len(words)), []).append((len(self.segments), values))
            self.segments.append(seg)
        hashes, owners = [], []
        for k, group in by_length.items():  # all segments of one n-gram length in one array, a 0 between them
            values = np.array([v for _, vals in group for v in (*vals, 0)], dtype=np.uint64)
            owner = np.array([i for i, vals in group for i in [i] * (len(vals) + 1)], dtype=np.int64)
            h, starts = ngram_hashes(values, k, with_starts=True)
            hashes.append(h)
            owners.append(owner[starts])
        flat = np.concatenate(hashes) if hashes else np.empty(0, dtype=np.uint64)
        owner = np.concatenate(owners) if owners else np.empty(0, dtype=np.int64)
        order = np.lexsort((owner, flat))
        flat, owner = flat[order], owner[order]
        distinct = np.concatenate(([True], (flat[1:] != flat[:-1]) | (owner[1:] != owner[:-1])))[:len(flat)]
        self.hashes, self.owner = flat[distinct], owner[distinct]  # a segment counts each n-gram once
        self.sizes = np.bincount(self.owner, minlength=len(self.segments))
        self.vocab = vocab
        self.lengths = sorted(by_length, reverse=True)
        return self

    def document_hashes(self, text: str) -> np.ndarray:
        """The document's n-gram hashes that some segment has, sorted and distinct."""
        get = self.vocab.get
        values = np.array([get(w, 0) for w in normalize_words(text)], dtype=np.uint64)
        if not values.any() or not len(self.hashes):
            return np.empty(0, dtype=np.uint64)
        q = np.concatenate([ngram_hashes(values, k) for k in self.lengths])
        q.sort()  # sorted queries: searchsorted walks the index in order (and duplicates sit together)
        at = np.minimum(np.searchsorted(self.hashes, q), len(self.hashes) - 1)
        q = q[self.hashes[at] == q]  # most of a document's n-grams are in no benchmark: drop them first
        return q[np.concatenate(([True], q[1:] != q[:-1]))] if len(q) else q

    def match(self, text: str) -> list[tuple[int, float]]:
        """``[(segment index, overlap)]`` for every segment whose overlap with ``text`` passes the threshold."""
        q = self.document_hashes(text)
        if not len(q):
            return []
        left = np.searchsorted(self.hashes, q, "left")
        counts = np.searchsorted(self.hashes, q, "right") - left
        starts = np.repeat(left, counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        segs, hits = np.unique(self.owner[starts + offsets], return_counts=True)
        overlap = hits / self.sizes[segs]
        keep = overlap > self.threshold
        return [(int(s), float(o)) for s, o in zip(segs[keep], overlap[keep])]

    def matched_ngram(self, text: str, seg: int) -> str:
        """One n-gram the document and the segment share, in normalised words (for the removal report)."""
        doc, item = normalize_words(text), normalize_words(self.segments[seg].text)
        k = min(self.n, len(item))
        grams = {tuple(item[i:i + k]) for i in range(len(item) - k + 1)}
        for i in range(len(doc) - k + 1):
            if tuple(doc[i:i + k]) in grams:
                return " ".join(doc[i:i + k])
        return ""
