"""Corpus statistics: the streaming NumPy implementation against the plain Counter one, on real text."""

import math

import numpy as np
import pytest
from counter_stats import counter_statistics

from hf_leaner.data.release import iter_records
from hf_leaner.data.stats import (NgramCounter, corpus_statistics, entropy_bits, format_table, iter_text_file,
                                  release_statistics, to_json)
from hf_leaner.models.tokenizer import train_tokenizer


def _texts(sample_dir):
    return [r["text"] for path in sorted((sample_dir / "data/leaner/10M/train").glob("*.jsonl"))
            for _, r in iter_records(path) if "text" in r]


def test_ngram_counter_is_exact_across_flushes():
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 5000, size=200_000).astype(np.uint64)
    counter = NgramCounter(min_flush=1000)  # force many compactions
    for chunk in np.array_split(keys, 97):
        counter.add(chunk)
    counts = counter.finalize()
    expected = np.unique(keys, return_counts=True)
    assert np.array_equal(counter.keys, expected[0]) and np.array_equal(counts, expected[1])
    p = expected[1] / expected[1].sum()
    assert entropy_bits(counts) == pytest.approx(-(p * np.log2(p)).sum(), rel=1e-12)


def test_spilling_to_disk_keeps_the_exact_result(tmp_path):
    rng = np.random.default_rng(1)
    keys = (rng.zipf(1.3, size=300_000) % 40_000).astype(np.uint64) * np.uint64(2654435761)
    memory = NgramCounter(min_flush=5000)
    bounded = NgramCounter(min_flush=5000, max_entries=3000, spill_dir=str(tmp_path), partitions=8)
    for chunk in np.array_split(keys, 50):
        memory.add(chunk)
        bounded.add(chunk)
        assert bounded.keys.size <= 3000 + 5000  # the table never grows past budget + one flush
    assert bounded._runs > 3  # it really spilled, several times
    assert bounded.summary() == pytest.approx(memory.summary())
    assert bounded.entropy() == pytest.approx(entropy_bits(memory.finalize()), rel=1e-12)
    assert not list(tmp_path.iterdir())  # the spill files are gone afterwards
    with pytest.raises(RuntimeError, match="spilled"):
        bounded.finalize()


def test_bounded_statistics_equal_in_memory_ones_on_real_text(shared_dir, tmp_path):
    texts = [r["text"] for _, r in iter_records(shared_dir / "data/leaner/10M/validation/web0000.jsonl")]
    free = corpus_statistics(iter(texts), max_memory_mb=None, progress=False)
    tight = corpus_statistics(iter(texts), max_memory_mb=1, progress=False)  # ~11K keys per table: spills
    numbers = lambda row: {k: v for k, v in row.items() if isinstance(v, (int, float))}
    assert tight["name"] == free["name"] and numbers(tight) == pytest.approx(numbers(free), rel=1e-12)


def test_entropy_of_uniform_distribution_is_log2_of_its_size():
    assert entropy_bits(np.full(1024, 7)) == pytest.approx(10.0)


def test_matches_counter_reference_on_sample_text(sample_dir):
    texts = _texts(sample_dir)
    tok = train_tokenizer(texts, "clm", vocab_size=500)
    fast = corpus_statistics(iter(texts), tokenizer=tok, batch_size=7, progress=False)
    slow = counter_statistics(texts, tokenizer=tok)
    for key, value in slow.items():
        assert fast[key] == pytest.approx(value, rel=1e-9), key


def test_matches_counter_reference_on_real_text(shared_dir):
    texts = [r["text"] for _, r in iter_records(shared_dir / "data/leaner/10M/validation/web0000.jsonl")]
    fast = corpus_statistics(iter(texts), batch_size=16, progress=False)
    slow = counter_statistics(texts)
    for key, value in slow.items():
        if value is not None:
            assert fast[key] == pytest.approx(value, rel=1e-9), key
    assert fast["words"] > 150_000 and fast["word_entropy_1"] > 8


def test_ngrams_do_not_cross_documents():
    one = corpus_statistics(["a b", "c d"], progress=False)
    # bigrams: (a b), (c d) only: two equally likely -> 1 bit; "b c" must not appear
    assert one["word_entropy_2"] == pytest.approx(1.0)
    assert one["word_entropy_3"] == 0.0 and one["documents"] == 2 and one["words"] == 4


def test_sentences_and_words_definitions():
    row = corpus_statistics(['"Stop." "Don\'t go!" he said. Next line\nAnother one'], progress=False)
    # words: stop, don't, go, he, said, next, line, another, one = 9
    # sentences (sentencex, a line break always ends one): "Stop." / "Don't go!" he said. / Next line / Another one
    assert row["words"] == 9 and row["mean_sentence_length"] == pytest.approx(9 / 4)


def test_sentences_come_from_a_sentence_splitter_not_from_every_period():
    row = corpus_statistics(["Mr. Smith met Dr. Jones at 3 p.m. in the U.S. capital. They talked."], progress=False)
    assert row["mean_sentence_length"] == pytest.approx(row["words"] / 2)


def test_share_outside_top_2000_is_against_a_fixed_english_list():
    # one rare word repeated: it is the corpus's own most frequent word, but not a common English word
    row = corpus_statistics(["zygomorphic " * 50, "The house is big."], progress=False)
    assert row["share_outside_corpus_top_2000"] == 0.0
    assert row["share_outside_top_2000"] == pytest.approx(50 / 54)


def test_release_statistics_pairs_documents_and_leaner_is_simpler(sample_dir):
    rows = release_statistics(sample_dir, "10M", "train", ["web", "wiki"], progress=False)
    by = {(r["genre"], r["variant"]): r for r in rows}
    for genre in ("web", "wiki"):
        lean, orig = by[(genre, "leaner")], by[(genre, "original")]
        assert lean["documents"] == orig["documents"] > 0
        assert lean["vocab_size"] < orig["vocab_size"] and lean["word_entropy_1"] < orig["word_entropy_1"]
    table = format_table(rows)
    assert "bits (log base 2)" in table and "web/leaner" in table
    assert '"entropy_unit": "bits (log base 2)"' in to_json(rows)


def test_text_files_blank_line_separated(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("First doc line one.\nline two.\n\n\nSecond doc.\n")
    assert list(iter_text_file(path)) == ["First doc line one.\nline two.\n", "Second doc.\n"]
    assert math.isclose(corpus_statistics(iter_text_file(path), progress=False)["documents"], 2)
