"""Minimal pairs filled from a vocabulary (evaluation/pair_templates.py): on the embedded sample's LEANER text and,
when the TinyHelen copy is there, on ~2,000 real LEANER documents."""

import itertools
import json
import time
from collections import Counter

import pytest
from lemminflect import getAllLemmas, getInflection

from hf_leaner.data.text_units import words
from hf_leaner.evaluation.pair_templates import (PARADIGMS, generate_minimal_pairs, vocabulary_from_texts,
                                                 write_pairs_jsonl)

# words the two sentences of a pair may differ in, by paradigm (the rest of the pair is the same, word for word)
SWAPS = {"subject_verb_agreement": {frozenset({"is", "are"}), frozenset({"was", "were"})},
         "anaphor_number_agreement": {frozenset({"themselves", "himself"}), frozenset({"themselves", "herself"})},
         "anaphor_gender_agreement": {frozenset({"himself", "herself"})}}
SWAPS["subject_verb_agreement_across_prepositional_phrase"] = SWAPS["subject_verb_agreement"]


@pytest.fixture(scope="module")
def sample_vocab(sample_corpus):
    return vocabulary_from_texts(sample_corpus["train"]["text"])


@pytest.fixture(scope="module")
def real_vocab(shared_dir):
    """Word counts of the first 2,000 LEANER prose documents of the 10M train split."""
    from hf_leaner.data.release import NATURAL_GENRES, find_pretrain_files, iter_pretrain_examples

    files = find_pretrain_files(shared_dir, "leaner", "10M", "train", NATURAL_GENRES)
    docs = [ex["text"] for _, ex in itertools.islice(iter_pretrain_examples(files), 2000)]
    assert len(docs) == 2000
    return vocabulary_from_texts(docs)


def check_pairs(pairs, vocab, cap):
    """The promises of generate_minimal_pairs, checked pair by pair on its output."""
    assert pairs
    for p in pairs:
        assert set(p) == {"sentence_good", "sentence_bad", "paradigm", "phenomenon", "pair_id"}
        good, bad = words(p["sentence_good"]), words(p["sentence_bad"])
        assert set(good) | set(bad) <= set(vocab), p  # every word is one the model was trained on
        assert len(good) == len(bad) and good != bad, p
        assert p["phenomenon"] == PARADIGMS[p["paradigm"]][0]
        diff = [i for i, (g, b) in enumerate(zip(good, bad)) if g != b]
        if p["paradigm"] == "adjective_noun_order":  # two neighbours swap: the ADJ N -> the N ADJ
            i = diff[0]
            assert diff == [i, i + 1] and good[i:i + 2] == bad[i:i + 2][::-1], p
            assert "ADJ" in getAllLemmas(good[i]) and "NOUN" in getAllLemmas(good[i + 1]), p
            continue
        assert len(diff) == 1, p  # one word changes, nothing else
        g, b = good[diff[0]], bad[diff[0]]
        if p["paradigm"].startswith("determiner_noun_agreement"):  # the same noun, singular vs plural
            assert getAllLemmas(g)["NOUN"] == getAllLemmas(b)["NOUN"], p
            det = good[diff[0] - (2 if p["paradigm"].endswith("adjective") else 1)]
            assert (det in ("this", "that")) == (getAllLemmas(g)["NOUN"] == (g,)), p  # good: det and noun agree
        elif p["paradigm"] == "irregular_past":  # the same verb: its past, and its participle after "had"
            (lemma,) = set(getAllLemmas(g)["VERB"]) & set(getAllLemmas(b)["VERB"])
            past, participle = getInflection(lemma, "VBD"), getInflection(lemma, "VBN")
            assert (g in participle and b in past) if good[diff[0] - 1] == "had" else (g in past and b in participle)
        else:
            assert frozenset({g, b}) in SWAPS[p["paradigm"]], p
    per_paradigm = Counter(p["paradigm"] for p in pairs)
    assert max(per_paradigm.values()) <= cap
    assert len({(p["paradigm"], p["pair_id"]) for p in pairs}) == len(pairs)
    assert len({(p["sentence_good"], p["sentence_bad"]) for p in pairs}) == len(pairs)  # no duplicates
    return per_paradigm


def test_sample_vocabulary_fills_word_order_and_skips_the_rest_with_reasons(sample_vocab):
    pairs, skipped = generate_minimal_pairs(sample_vocab, pairs_per_paradigm=60)
    per_paradigm = check_pairs(pairs, sample_vocab, cap=60)
    assert per_paradigm["adjective_noun_order"] == 60  # ~200 words, no plurals, no reflexives: word order only
    assert set(skipped) | set(per_paradigm) == set(PARADIGMS) and not set(skipped) & set(per_paradigm)
    assert "these/those" in skipped["determiner_noun_agreement"]  # the sample has "this" and "that" only
    assert "themselves" in skipped["anaphor_number_agreement"]
    assert all(reason and "\n" not in reason for reason in skipped.values())


def test_same_vocabulary_and_seed_give_the_same_pairs(sample_vocab):
    first = generate_minimal_pairs(sample_vocab, 50, seed=3)
    assert generate_minimal_pairs(dict(reversed(list(sample_vocab.items()))), 50, seed=3) == first  # order-free
    assert generate_minimal_pairs(list(sample_vocab), 50, seed=3) == first  # counts or plain words
    assert generate_minimal_pairs(sample_vocab, 50, seed=4)[0] != first[0]


def test_function_words_come_from_the_vocabulary_too(sample_vocab):
    """Add plurals and these/those to the sample: the determiner paradigms fill, and are skipped again, with the
    reason, once these/those are taken out; nothing outside the vocabulary ever appears."""
    extra = {"These", "those", "cars", "cities", "rivers", "lessons", "problems", "valleys"}  # case-insensitive
    with_dets = set(sample_vocab) | extra
    pairs, skipped = generate_minimal_pairs(with_dets, 30)
    counts = check_pairs(pairs, {w.lower() for w in with_dets}, cap=30)
    assert counts["determiner_noun_agreement"] == counts["determiner_noun_agreement_with_adjective"] == 30
    assert "determiner_noun_agreement" not in skipped
    without = with_dets - {"These", "those"}
    pairs, skipped = generate_minimal_pairs(without, 30)
    for name in ("determiner_noun_agreement", "determiner_noun_agreement_with_adjective"):
        assert "these/those" in skipped[name]
    assert not any(p["paradigm"].startswith("determiner") for p in pairs)
    check_pairs(pairs, without, cap=30)


def test_vocabulary_from_texts_counts_words_as_text_units_does():
    vocab = vocabulary_from_texts(["The dog's ball. The DOG ran!", "the dog’s cat sat"], min_count=2)
    assert vocab == {"the": 3, "dog's": 2}
    assert list(vocabulary_from_texts(["b a b", "a c"], min_count=1)) == ["a", "b", "c"]  # most frequent first
    with pytest.raises(TypeError):
        generate_minimal_pairs("the cat")  # one string is not a word list


def test_write_pairs_jsonl(sample_vocab, tmp_path):
    pairs, _ = generate_minimal_pairs(sample_vocab, 10)
    path = tmp_path / "out" / "pairs.jsonl"
    write_pairs_jsonl(pairs, path)
    assert [json.loads(line) for line in path.read_text().splitlines()] == pairs
    assert [p.name for p in path.parent.iterdir()] == ["pairs.jsonl"]  # the temporary file was renamed away


def test_real_leaner_vocabulary_fills_every_paradigm(real_vocab):
    pairs, skipped = generate_minimal_pairs(real_vocab, pairs_per_paradigm=100)
    per_paradigm = check_pairs(pairs, real_vocab, cap=100)
    assert sum(n >= 50 for n in per_paradigm.values()) >= 5, (per_paradigm, skipped)
    assert not skipped, skipped  # 2,000 real documents have these/those, plurals, reflexives, irregular verbs


def test_two_thousand_words_generate_fast(real_vocab):
    top = dict(itertools.islice(real_vocab.items(), 2000))  # a LEANER-sized vocabulary: its 2,000 commonest words
    start = time.perf_counter()
    pairs, _ = generate_minimal_pairs(top, pairs_per_paradigm=100)
    assert time.perf_counter() - start < 3.0
    check_pairs(pairs, top, cap=100)
