"""Corpus statistics: the paper's evidence that LEANER text is simpler than the original.

For a stream of documents: counts (documents, words, tokens), vocabulary size, type-token ratio,
mean sentence length, the share of running words outside the 2,000 most frequent English words
(``share_outside_top_2000``, against a fixed list, as the paper means its 2,000-word vocabulary; the
share outside the corpus's own 2,000 most frequent words is ``share_outside_corpus_top_2000``), and the
Shannon entropy of the n-gram distribution for n = 1..4, over words and over tokens.

Definitions (the same everywhere, including the pure-Python reference in ``benchmarks/``):

* words, sentences (a real sentence splitter, ``sentencex``) and the fixed common-word list
  (``wordfreq``) are defined in ``text_units.py``;
* n-grams do not cross document boundaries;
* entropy is ``H_n = -sum p(g) log2 p(g)`` over the empirical distribution of n-grams ``g``: **bits**.

It streams: documents are processed in batches, and n-grams are counted as 64-bit keys in sorted
NumPy arrays that are compacted as they grow (about 16 bytes per distinct n-gram, against ~150 for a
``collections.Counter`` of tuples). Memory is bounded: past ``max_memory_mb`` the tables spill to disk in
hash partitions that are reduced one at a time at the end, with the same exact result. Unigram and bigram keys are exact; 3- and 4-gram keys are a 64-bit
hash of the word ids (a collision needs ~4e9 distinct n-grams to become likely).
"""

from __future__ import annotations

import json
import warnings
from typing import Iterable, Iterator

import numpy as np
from tqdm.auto import tqdm

from hf_leaner.utils.tables import text_table

from .ngrams import MAX_N, DenseCounter, NgramCounter, _Stream, entropy_bits, ngram_keys  # noqa: F401
from .text_units import WORD_RE, common_english_words, count_sentences, words  # noqa: F401  (WORD_RE: public name)

TOP_K = 2000
DEFAULT_MAX_MEMORY_MB = 4096


class CorpusStatistics:
    """Accumulate statistics over batches of documents; call :meth:`result` at the end."""

    def __init__(self, name: str = "corpus", tokenizer=None, top_k: int = TOP_K,
                 max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB, spill_dir: str | None = None):
        self.name = name
        self.tokenizer = tokenizer
        self.top_k = top_k
        self.vocab: dict[str, int] = {}
        self.documents = 0
        self.sentences = 0
        # the memory budget is shared by the sorted n-gram tables (16 bytes a key, twice that while merging)
        tables = (MAX_N - 1) * (2 if tokenizer is not None else 1)
        entries = max_memory_mb * 2**20 // (32 * tables) if max_memory_mb else None
        self.words = _Stream(entries, spill_dir)
        self.tokens = _Stream(entries, spill_dir) if tokenizer is not None else None

    def add_batch(self, texts: list[str]) -> None:
        vocab = self.vocab
        ids: list[int] = []
        lengths = []
        for text in texts:
            found = words(text)
            ids.extend([vocab.setdefault(w, len(vocab)) for w in found])
            lengths.append(len(found))
            self.sentences += count_sentences(text)
        self.documents += len(texts)
        self.words.add(ids, lengths)
        if self.tokens is not None:
            token_ids, token_lengths = [], []
            for seq in self._encode(texts):
                token_ids.extend(seq)
                token_lengths.append(len(seq))
            self.tokens.add(token_ids, token_lengths)

    def _encode(self, texts: list[str]) -> list[list[int]]:
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        if backend is not None:  # the Rust tokenizer, batched, without offsets: the fast path
            encode = getattr(backend, "encode_batch_fast", backend.encode_batch)
            return [e.ids for e in encode(texts, add_special_tokens=False)]
        return self.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]

    def result(self) -> dict:
        dense = self.words.counters[0].counts  # indexed by word id
        unigram = dense[dense > 0]
        n_words = self.words.total
        top = np.sort(unigram)[::-1][: self.top_k].sum() if unigram.size else 0
        common = common_english_words(self.top_k)
        is_common = np.fromiter((w in common for w in self.vocab), dtype=bool, count=len(self.vocab))
        in_common = int(dense[is_common[: dense.size]].sum())  # ids past dense.size never occurred
        row = {
            "name": self.name,
            "documents": self.documents,
            "words": n_words,
            "tokens": self.tokens.total if self.tokens else None,
            "vocab_size": int(unigram.size),
            "type_token_ratio": unigram.size / n_words if n_words else 0.0,
            "mean_sentence_length": n_words / self.sentences if self.sentences else 0.0,
            f"share_outside_top_{self.top_k}": 1 - in_common / n_words if n_words else 0.0,
            f"share_outside_corpus_top_{self.top_k}": 1 - top / n_words if n_words else 0.0,
        }
        for n, counter in enumerate(self.words.counters, start=1):
            row[f"word_entropy_{n}"] = counter.entropy()
        for n in range(1, MAX_N + 1):
            row[f"token_entropy_{n}"] = self.tokens.counters[n - 1].entropy() if self.tokens else None
        return row


def corpus_statistics(texts: Iterable[str], name: str = "corpus", tokenizer=None, batch_size: int = 512,
                      total: int | None = None, progress: bool = True,
                      max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB) -> dict:
    """Statistics of a stream of documents (any iterable of strings; it is read once). The n-gram tables stay
    within ``max_memory_mb`` (spilling to a temporary folder past it); ``None`` keeps everything in memory."""
    stats = CorpusStatistics(name, tokenizer, max_memory_mb=max_memory_mb)
    batch: list[str] = []
    with tqdm(total=total, desc=f"stats {name}", unit="doc", disable=not progress, leave=False) as bar:
        for text in texts:
            batch.append(text)
            if len(batch) >= batch_size:
                stats.add_batch(batch)
                bar.update(len(batch))
                batch = []
        if batch:
            stats.add_batch(batch)
            bar.update(len(batch))
    return stats.result()


# --------------------------------------------------------------------------------------------------
# Sources


def release_statistics(data_dir, size: str = "10M", split: str = "validation", genres=None,
                       tokenizer=None, paired: bool = True, on_corrupt: str = "warn",
                       progress: bool = True, max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB,
                       simplified: dict | None = None) -> list[dict]:
    """LEANER vs ORIGINAL per genre of a release copy, side by side.

    With ``paired=True`` only documents present in both variants (same ``hash``) are counted, so the
    two rows of a genre describe the same documents. ``simplified`` adds rows for our own rewrites
    (``{name: folder}``, each an ``hf-leaner simplify`` output in the release layout); paired, every row of
    a genre then counts only the documents that all of them hold.
    """
    from hf_leaner.utils.errors import SourceWarning
    from .release import GENRES, find_pretrain_files, iter_pretrain_examples, release_root

    root = release_root(data_dir)
    rows = []
    for genre in genres or GENRES:
        files = {v: find_pretrain_files(root, v, size, split, (genre,)) for v in ("leaner", "original")}
        if not files["leaner"] and not files["original"]:
            continue
        for name, folder in (simplified or {}).items():
            files[name] = find_pretrain_files(release_root(folder), "leaner", size, split, (genre,))
        keep = None
        if paired:
            if not all(files.values()):
                continue
            hashes = [{ex["hash"] for _, ex in iter_pretrain_examples(files[v], on_corrupt)} for v in files]
            keep = set.intersection(*hashes)
            if not keep and (hashes[0] or hashes[1]):
                warnings.warn(f"{genre} {split}: no document pairs between the leaner files ({len(hashes[0]):,} rows) "
                              f"and the original files ({len(hashes[1]):,} rows); its paired statistics are empty "
                              "(--unpaired counts every document)", SourceWarning, stacklevel=2)
        for variant, fs in files.items():
            texts = _paired_texts(iter_pretrain_examples(fs, on_corrupt), keep)
            row = corpus_statistics(texts, f"{genre}/{variant}", tokenizer, progress=progress,
                                    total=len(keep) if keep is not None else None, max_memory_mb=max_memory_mb)
            rows.append({"genre": genre, "variant": variant, **row})
    return rows


def _paired_texts(examples, keep: set | None) -> Iterator[str]:
    """Texts whose hash is in ``keep``, each document once (the original shards repeat a few)."""
    seen = set()
    for _, ex in examples:
        if keep is None:
            yield ex["text"]
        elif ex["hash"] in keep and ex["hash"] not in seen:
            seen.add(ex["hash"])
            yield ex["text"]


def dataset_statistics(dataset, text_column: str = "text", by: str | None = "genre", tokenizer=None,
                       name: str = "dataset", progress: bool = True,
                       max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB) -> list[dict]:
    """Statistics of a ``datasets.Dataset`` (or any iterable of dicts), optionally one row per ``by`` value."""
    if by and by in getattr(dataset, "column_names", []):
        rows = []
        for value in sorted(set(dataset[by])):
            sub = dataset.filter(lambda b: [x == value for x in b], input_columns=by, batched=True)
            rows.append(corpus_statistics((t for t in sub[text_column]), f"{name}/{value}", tokenizer,
                                          total=len(sub), progress=progress, max_memory_mb=max_memory_mb))
        return rows
    return [corpus_statistics((r[text_column] for r in dataset), name, tokenizer, progress=progress,
                              max_memory_mb=max_memory_mb)]


def iter_text_file(path, text_column: str = "text", on_corrupt: str = "raise") -> Iterator[str]:
    """Documents of a plain file: ``.txt`` (blank-line separated), or ``.jsonl``/``.json`` (optionally ``.zst``)."""
    from pathlib import Path

    from .release import LeanerDataError, iter_records
    from .streams import iter_lines

    path = Path(path)
    if path.name.endswith((".txt", ".txt.zst")) or path.suffix in ("", ".md"):
        doc: list[str] = []
        for _, line in iter_lines(path):
            if line.strip():
                doc.append(line.rstrip("\r") + "\n")
            elif doc:
                yield "".join(doc)
                doc = []
        if doc:
            yield "".join(doc)
        return
    for lineno, rec in iter_records(path, on_corrupt=on_corrupt):
        if isinstance(rec, str):
            yield rec
        elif isinstance(rec, dict) and isinstance(rec.get(text_column), str):
            yield rec[text_column]
        else:
            fields = ", ".join(sorted(rec)) if isinstance(rec, dict) else type(rec).__name__
            raise LeanerDataError(f"{path}:{lineno}: no string field '{text_column}' (fields: {fields}); "
                                  "name the text field with --text_column")


# --------------------------------------------------------------------------------------------------
# Output

_COLUMNS = [
    ("documents", "docs", "{:,}"), ("words", "words", "{:,}"), ("tokens", "tokens", "{:,}"),
    ("vocab_size", "vocab", "{:,}"), ("type_token_ratio", "TTR", "{:.3f}"),
    ("mean_sentence_length", "sent.len", "{:.1f}"), (f"share_outside_top_{TOP_K}", ">2K", "{:.1%}"),
] + [(f"word_entropy_{n}", f"Hw{n}", "{:.2f}") for n in range(1, MAX_N + 1)] \
  + [(f"token_entropy_{n}", f"Ht{n}", "{:.2f}") for n in range(1, MAX_N + 1)]


def format_table(rows: list[dict]) -> str:
    head = ["corpus"] + [c[1] for c in _COLUMNS]
    body = [[r["name"]] + [("-" if r.get(k) is None else fmt.format(r[k])) for k, _, fmt in _COLUMNS]
            for r in rows]
    out = [text_table(head, body, numbers_right=True), ""]
    out.append(f"Hw1..Hw4 / Ht1..Ht4: Shannon entropy of the word / token n-gram distribution, n = 1..4, in bits "
               f"(log base 2). TTR = vocab / words. >2K = share of running words outside the {TOP_K:,} most "
               "frequent English words (wordfreq). sent.len = words per sentence (sentencex).")
    return "\n".join(out)


def to_json(rows: list[dict]) -> str:
    return json.dumps({"entropy_unit": "bits (log base 2)", "rows": rows}, indent=2)


__all__ = ["CorpusStatistics", "NgramCounter", "corpus_statistics", "dataset_statistics", "format_table",
           "iter_text_file", "release_statistics", "to_json"]
