"""N-gram counting for :mod:`hf_leaner.data.stats`: exact counts of 64-bit n-gram keys in bounded memory.

``NgramCounter`` keeps sorted NumPy arrays (about 16 bytes per distinct n-gram) and spills to disk in hash
partitions past ``max_entries``; ``DenseCounter`` counts unigram ids by ``bincount``; ``ngram_keys`` turns an id
stream into keys that never cross a document boundary. Unigram and bigram keys are exact; 3- and 4-gram keys are
a 64-bit hash of the word ids. Entropies are in bits.
"""

from __future__ import annotations

import math

import numpy as np

MAX_N = 4  # n-grams counted: n = 1..MAX_N
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (golden ratio): spreads ids over the key space


class NgramCounter:
    """Exact counts of uint64 keys, kept as a sorted array plus a buffer of new keys.

    With ``max_entries`` the table never holds more than that many distinct keys: past it, the table is
    spilled to disk in ``partitions`` files by a hash of the key, and :meth:`summary` later reduces one
    partition at a time. Memory is then bounded by ``max_entries`` (x ~16 bytes, x2 while merging) plus
    the largest partition, whatever the corpus size; the result is the same as in memory.
    """

    def __init__(self, min_flush: int = 1 << 22, max_entries: int | None = None, spill_dir: str | None = None,
                 partitions: int = 64):
        self.keys = np.empty(0, dtype=np.uint64)
        self.counts = np.empty(0, dtype=np.int64)
        self._buffer: list[np.ndarray] = []
        self._buffered = 0
        self._min_flush = min_flush
        self._max_entries = max_entries
        self._spill_root, self._spill_dir, self._runs = spill_dir, None, 0
        self._bits = max(int(partitions - 1).bit_length(), 1)
        self._summary = None

    def add(self, keys: np.ndarray) -> None:
        if keys.size:
            self._buffer.append(keys)
            self._buffered += keys.size
            # flush when the buffer is as large as the table: amortised O(N log N) overall
            limit = max(self._min_flush, self.keys.size)
            if self._max_entries:
                limit = min(limit, self._max_entries)
            if self._buffered >= limit:
                self._flush()
                if self._max_entries and self.keys.size > self._max_entries:
                    self._spill()

    def _flush(self) -> None:
        if not self._buffer:
            return
        new_keys, new_counts = np.unique(np.concatenate(self._buffer), return_counts=True)
        self._buffer, self._buffered = [], 0
        if self.keys.size == 0:
            self.keys, self.counts = new_keys, new_counts.astype(np.int64)
            return
        self.keys, self.counts = _merge_counts(np.concatenate([self.keys, new_keys]),
                                               np.concatenate([self.counts, new_counts.astype(np.int64)]))

    def _spill(self) -> None:
        if self.keys.size == 0:
            return
        import tempfile
        from pathlib import Path

        if self._spill_dir is None:
            self._spill_dir = Path(tempfile.mkdtemp(prefix="hf-leaner-ngrams-", dir=self._spill_root))
        with np.errstate(over="ignore"):
            part = ((self.keys * _MIX) >> np.uint64(64 - self._bits)).astype(np.int64)
        order = np.argsort(part, kind="stable")
        part, keys, counts = part[order], self.keys[order], self.counts[order]
        bounds = np.searchsorted(part, np.arange((1 << self._bits) + 1))
        for p in range(1 << self._bits):
            lo, hi = bounds[p], bounds[p + 1]
            if hi > lo:
                np.save(self._spill_dir / f"{p:03d}-{self._runs:05d}.npy",
                        np.stack([keys[lo:hi], counts[lo:hi].astype(np.uint64)]))
        self._runs += 1
        self.keys, self.counts = np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)

    def finalize(self) -> np.ndarray:
        """All counts, in memory (only without spilling; see :meth:`summary`)."""
        self._flush()
        if self._runs:
            raise RuntimeError("the counts were spilled to disk: use summary() or entropy()")
        return self.counts

    def summary(self) -> tuple[int, float, int]:
        """``(total, sum of c*log2(c), distinct keys)``, reducing spilled partitions one at a time."""
        if self._summary is None:
            self._flush()
            if not self._runs:
                self._summary = _sums(self.counts)
            else:
                self._spill()
                total, clogc, distinct = 0, 0.0, 0
                for p in range(1 << self._bits):
                    files = sorted(self._spill_dir.glob(f"{p:03d}-*.npy"))
                    if not files:
                        continue
                    runs = [np.load(f) for f in files]
                    _, counts = _merge_counts(np.concatenate([r[0] for r in runs]),
                                              np.concatenate([r[1] for r in runs]).astype(np.int64))
                    t, c, d = _sums(counts)
                    total, clogc, distinct = total + t, clogc + c, distinct + d
                    for f in files:
                        f.unlink()
                self._spill_dir.rmdir()
                self._summary = (total, clogc, distinct)
        return self._summary

    def entropy(self) -> float:
        total, clogc, _ = self.summary()
        return float(math.log2(total) - clogc / total) if total else 0.0

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.counts.nbytes + self._buffered * 8


def _merge_counts(keys: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum the counts of equal keys; returns sorted unique keys and their counts."""
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return keys[starts], np.add.reduceat(counts, starts)


def _sums(counts: np.ndarray) -> tuple[int, float, int]:
    c = counts.astype(np.float64)
    return int(counts.sum()), float((c * np.log2(c)).sum()) if c.size else 0.0, int(counts.size)


class DenseCounter:
    """Counts of small non-negative integer keys (unigram ids) by ``bincount``: no sorting at all."""

    def __init__(self):
        self.counts = np.zeros(0, dtype=np.int64)

    def add(self, keys: np.ndarray) -> None:
        if keys.size:
            new = np.bincount(keys.astype(np.int64))
            if new.size > self.counts.size:
                new[: self.counts.size] += self.counts
                self.counts = new
            else:
                self.counts[: new.size] += new

    def finalize(self) -> np.ndarray:
        return self.counts[self.counts > 0]

    def entropy(self) -> float:
        return entropy_bits(self.finalize())


def entropy_bits(counts: np.ndarray) -> float:
    total = counts.sum()
    if total == 0:
        return 0.0
    c = counts.astype(np.float64)
    return float(math.log2(total) - (c * np.log2(c)).sum() / total)


def ngram_keys(ids: np.ndarray, doc_index: np.ndarray, n: int) -> np.ndarray:
    """Keys of all n-grams of ``ids`` that lie inside one document."""
    if ids.size < n:
        return np.empty(0, dtype=np.uint64)
    m = ids.size - n + 1
    if n == 1:
        return ids.astype(np.uint64)
    if n == 2:
        keys = (ids[:m].astype(np.uint64) << np.uint64(32)) | ids[1:m + 1].astype(np.uint64)
    else:
        keys = ids[:m].astype(np.uint64)
        with np.errstate(over="ignore"):
            for j in range(1, n):
                keys = (keys ^ (keys >> np.uint64(29))) * _MIX + ids[j:m + j].astype(np.uint64)
    return keys[doc_index[:m] == doc_index[n - 1:]]


class _Stream:
    """Counters for one id stream (words or tokens): unigrams dense, longer n-grams sorted (and spillable)."""

    def __init__(self, max_entries: int | None = None, spill_dir: str | None = None):
        self.counters = [DenseCounter()] + [NgramCounter(max_entries=max_entries, spill_dir=spill_dir)
                                             for _ in range(MAX_N - 1)]
        self.total = 0

    def add(self, ids: list[int], lengths: list[int]) -> None:
        if not ids:
            return
        ids = np.array(ids, dtype=np.int64)
        doc_index = np.repeat(np.arange(len(lengths)), lengths)
        self.total += ids.size
        for n, counter in enumerate(self.counters, start=1):
            counter.add(ngram_keys(ids, doc_index, n))
