"""Grammatical minimal pairs built from a model's own vocabulary (BLiMP/Zorro in spirit, small and offline).

A minimal pair is a grammatical and an ungrammatical sentence that differ in one place (``these books`` /
``these book``); a language model passes it when it gives the grammatical one the higher probability. BLiMP's and
Zorro's words are often unknown to a model trained on LEANER text (~2,000 words), let alone on the toy sample
(~100), so here the pairs are filled from a word list (the word counts of the training corpus): every word of
every sentence is one the model was trained on.

1. *Lexicon.* Words are classed and inflected with ``lemminflect``'s tables, keeping only unambiguous ones so that
   the bad sentence is really bad: a noun's one reading is itself as a NOUN (``books`` is also "she books a
   room"); a count noun's plural is distinct (not ``fish``), in the vocabulary and nothing else (not ``lives``);
   an adjective is its own ADJ lemma with a synthetic comparative (``big``/``bigger``: gradable, fine before a noun
   and after ``is``), and one that is also a noun (``minute``) needs its comparative in the vocabulary; an
   irregular participle is only that (not ``run``, also a present; not ``broken``, also an adjective).
2. *Hand lists* give what the tables cannot: animate nouns with their gender, verbs that take a noun object but
   never a clause (so ``the girl took that books`` cannot parse as ``took that [books ...]``), verbs that can be
   reflexive, irregular verbs that read well without an object, pasts and participles that usage lets stand in
   for each other (``got``/``gotten``). A listed word is used only if the vocabulary has it.
3. *Templates.* A paradigm is a template with slots; a random filling makes one pair. The function words it needs
   (``the``, ``these``, ``is``/``are``, ``himself`` ...) must be in the vocabulary too: a paradigm lacking one is
   skipped with a one-line reason, never filled with outside words.
4. *Checks.* As each pair is made: every word (as ``text_units.words`` splits it) is in the vocabulary, both
   sentences have the same number of words, and they differ.

Sentences are lower case and end in " ." (Zorro's style): ``the girl took these books .``. Paradigm names follow
BLiMP's UIDs and ``phenomenon`` its ``linguistics_term``; ``adjective_noun_order`` (``word_order``) has no BLiMP
twin: it is the paradigm a very small vocabulary (no plurals, no reflexives) can still fill.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from functools import partial
from typing import Callable, Iterable

from lemminflect import getAllInflections, getAllLemmas

from hf_leaner.data.text_units import words
from hf_leaner.utils.io import write_atomic

# animate nouns: subjects of action verbs and of reflexives, whose gender picks himself or herself
MALE = ("man", "boy", "king", "father", "son", "brother", "husband", "prince", "uncle", "grandfather", "dad",
        "nephew", "gentleman", "grandpa", "monk")
FEMALE = ("woman", "girl", "queen", "mother", "daughter", "sister", "wife", "princess", "aunt", "grandmother", "mom",
          "mum", "niece", "lady", "grandma")
NEUTRAL = ("child", "kid", "baby", "person", "student", "teacher", "friend", "doctor", "worker", "farmer", "player",
           "soldier", "scientist", "artist", "writer", "parent", "leader", "neighbor", "visitor", "driver", "singer",
           "dancer", "cook", "painter", "builder", "hunter", "sailor", "pilot", "officer", "author", "nurse", "adult")
PLURAL_OVERRIDE = {"person": "people"}  # lemminflect lists only "persons"
# a noun object, never a clause: "the girl took that books" must not read as "took that [books ...]"
OBJECT_VERBS = ("take", "make", "hold", "keep", "buy", "sell", "carry", "open", "close", "move", "wash", "clean",
                "build", "draw", "paint", "bring", "drop", "catch", "break", "hide", "push", "pull", "throw", "lose",
                "cut", "fix", "visit", "use", "want", "need", "like", "love", "choose", "share", "follow", "watch",
                "eat", "fill", "lift", "count", "climb", "cross", "steal", "pick")
REFLEXIVE_VERBS = ("hurt", "see", "help", "like", "love", "hate", "blame", "wash", "teach", "protect", "feed",
                   "dress", "trust", "enjoy", "introduce", "prepare", "save", "cut", "describe", "watch", "hide",
                   "defend", "remind", "train", "push", "find", "ask", "tell", "show", "warn", "call", "praise",
                   "free", "test", "calm", "clean", "draw", "paint", "believe", "forgive")
# irregular verbs that read well with no object ("the boy went ."); the others get one ("the boy took the lamp .")
NO_OBJECT = ("go", "come", "fall", "rise", "arise", "lie", "strive", "speak", "swim", "sing", "fly", "shake", "grow",
             "ride", "wake")
# words lemminflect lists as plain count nouns that do not fill a noun slot ("the big nothing was old")
NOT_NOUNS = ("other", "nothing", "nobody", "hello", "goodbye", "upside", "ex", "pro", "sir", "mister", "sixty",
             "fourth", "fifth")
# pasts and participles that usage lets stand in for each other ("had got", "the boy shrunk it", "had showed")
INTERCHANGEABLE = ("get", "show", "beat", "shrink", "sink", "spring", "stink", "strike", "dive", "mow", "sew", "sow",
                   "swell", "shave", "prove")
# quantity words and adjectives that need a complement or only follow "is" ("the nodes were likely")
NOT_ADJECTIVES = ("few", "much", "less", "able", "likely", "unlikely", "sure", "glad", "ready", "late", "early", "far",
                  "little", "many", "own", "well", "afraid", "alone", "alive", "asleep", "awake", "aware", "due")
SINGULAR_DETS, PLURAL_DETS = ("this", "that"), ("these", "those")
PREPOSITIONS = ("of", "near", "with", "behind", "beside", "under", "above", "below", "in", "on", "from", "by")
REFLEXIVE = {"m": "himself", "f": "herself"}
FUNCTION_WORDS = frozenset(("the", "a", "an", "is", "are", "was", "were", "had", "themselves", "itself")
                           + SINGULAR_DETS + PLURAL_DETS + PREPOSITIONS + tuple(REFLEXIVE.values()))


# --------------------------------------------------------------------------------------------------
# The lexicon: the words of the vocabulary that fit each slot


def _plural(noun: str, strict: bool = True) -> str | None:
    """The plural; ``strict``: None for a noun that can be its own plural (``fish``, ``water``: no contrast)."""
    forms = getAllInflections(noun, upos="NOUN").get("NNS", ())
    return None if strict and noun in forms else next((f for f in forms if f != noun), None)


def _is_adjective(word: str, vocab: frozenset) -> bool:
    lemmas, comparatives = getAllLemmas(word), getAllInflections(word, upos="ADJ").get("JJR", ())
    return (lemmas.get("ADJ") == (word,) and bool(comparatives) and word not in NOT_ADJECTIVES
            and ("NOUN" not in lemmas or any(c in vocab for c in comparatives)))


def _verb_forms(lemma: str, tag: str) -> tuple[str, ...]:
    return getAllInflections(lemma, upos="VERB").get(tag, ())


def _irregular(lemma: str, vocab: frozenset) -> tuple[str, str, str] | None:
    """(lemma, past, participle) when both are in the vocabulary and neither can stand in for the other."""
    past, part = _verb_forms(lemma, "VBD"), _verb_forms(lemma, "VBN")
    vbd, vbn = next((f for f in past if f in vocab), None), next((f for f in part if f in vocab), None)
    if not vbd or not vbn or set(past) & set(part) or set(getAllLemmas(vbn)) != {"VERB"} or any(
            vbn in _verb_forms(lemma, tag) for tag in ("VB", "VBP", "VBZ", "VBG")):
        return None
    return lemma, vbd, vbn


def build_lexicon(vocabulary) -> dict:
    """The word classes of ``vocabulary``, as sorted lists (so a seeded sampler is deterministic)."""
    if isinstance(vocabulary, str):
        raise TypeError("vocabulary: pass an iterable of words or a {word: count} mapping, not one string")
    vocab = frozenset(w.lower() for w in vocabulary)
    open_words = sorted(w for w in vocab if w.isalpha() and w.isascii() and w not in FUNCTION_WORDS)
    nouns = [w for w in open_words if getAllLemmas(w) == {"NOUN": (w,)} and _plural(w) and w not in NOT_NOUNS]
    count_nouns = [(w, pl) for w, pl in ((w, _plural(w)) for w in nouns)
                   if pl in vocab and getAllLemmas(pl) == {"NOUN": (w,)}]
    persons = []  # (form, "sg" | "pl", "m" | "f" | None)
    for group, gender in ((MALE, "m"), (FEMALE, "f"), (NEUTRAL, None)):
        for sg in sorted(group):  # man, kid: here a verb reading of the subject blurs no contrast
            pl = PLURAL_OVERRIDE.get(sg) or _plural(sg, strict=False)
            persons += [(form, number, gender) for form, number in ((sg, "sg"), (pl, "pl")) if form in vocab]
    verbs = {lem for w in open_words for lem in getAllLemmas(w).get("VERB", ())} - {"be", "have", *INTERCHANGEABLE}
    past = lambda lemmas: sorted({f for v in lemmas for f in _verb_forms(v, "VBD")[:1] if f in vocab})  # noqa: E731
    return {"vocab": vocab, "nouns": nouns, "count_nouns": count_nouns, "persons": persons,
            "adjectives": [w for w in open_words if _is_adjective(w, vocab)],
            "object_past": past(OBJECT_VERBS), "reflexive_past": past(REFLEXIVE_VERBS),
            "irregular": [v for v in (_irregular(lemma, vocab) for lemma in sorted(verbs)) if v]}


# --------------------------------------------------------------------------------------------------
# The paradigms: each returns the reason it cannot be filled, or a sampler of one (good, bad) pair


def _lacking(lex: dict, function_words: Iterable[str], **slots: list) -> str | None:
    """Why a template cannot be filled: function words the vocabulary lacks, slots no word of it fits."""
    lacking = [w for w in function_words if w not in lex["vocab"]]
    empty = [name.replace("_", " ") for name, fillers in slots.items() if not fillers]
    why = ([f"the vocabulary lacks {', '.join(lacking)}"] if lacking else []) + (
        [f"no word of the vocabulary fits: {', '.join(empty)}"] if empty else [])
    return "; ".join(why) or None


def _s(*tokens: str) -> str:
    return " ".join(tokens) + " ."


def _present(lex: dict, candidates: Iterable[str]) -> list[str]:
    return [w for w in candidates if w in lex["vocab"]]


def determiner_noun_agreement(lex: dict, rng: random.Random, adjective: bool = False):
    """the girl took these books . / the girl took these book . (the noun changes, as in BLiMP)"""
    sg_dets, pl_dets = _present(lex, SINGULAR_DETS), _present(lex, PLURAL_DETS)
    why = _lacking(lex, ["the"], **{"this/that": sg_dets, "these/those": pl_dets, "person_noun": lex["persons"],
                                    "past_of_an_object_verb": lex["object_past"], "count_noun": lex["count_nouns"]},
                   **({"adjective": lex["adjectives"]} if adjective else {}))

    def one():
        det, (sg, pl) = rng.choice(sg_dets + pl_dets), rng.choice(lex["count_nouns"])
        good, bad = (sg, pl) if det in SINGULAR_DETS else (pl, sg)
        prefix = ["the", rng.choice(lex["persons"])[0], rng.choice(lex["object_past"]), det]
        prefix += [rng.choice(lex["adjectives"])] if adjective else []
        return _s(*prefix, good), _s(*prefix, bad)
    return why or one


def subject_verb_agreement(lex: dict, rng: random.Random, preposition: bool = False):
    """the books are old . / the books is old . ; with ``preposition``, a noun of the other number (an
    attractor) stands between subject and verb: the book of the boxes is old . / the book of the boxes are old ."""
    copulas = [(sg, pl) for sg, pl in (("is", "are"), ("was", "were")) if sg in lex["vocab"] and pl in lex["vocab"]]
    preps = _present(lex, PREPOSITIONS)
    why = _lacking(lex, ["the"], **{"is/are_or_was/were": copulas, "two_count_nouns": lex["count_nouns"][1:],
                                    "adjective": lex["adjectives"]}, **({"preposition": preps} if preposition else {}))

    def one():
        (v_sg, v_pl), adj, plural = rng.choice(copulas), rng.choice(lex["adjectives"]), rng.random() < 0.5
        (head_sg, head_pl), (att_sg, att_pl) = rng.sample(lex["count_nouns"], 2)
        head, good, bad = (head_pl, v_pl, v_sg) if plural else (head_sg, v_sg, v_pl)
        middle = [rng.choice(preps), "the", att_sg if plural else att_pl] if preposition else []
        return _s("the", head, *middle, good, adj), _s("the", head, *middle, bad, adj)
    return why or one


def irregular_past(lex: dict, rng: random.Random):
    """the boy took the lamp . / the boy taken the lamp . ; and, when the vocabulary has "had", the reverse:
    the boy had taken the lamp . / the boy had took the lamp ."""
    verbs = [v for v in lex["irregular"] if v[0] in NO_OBJECT or lex["nouns"]]
    why = _lacking(lex, ["the"], person_noun=lex["persons"], irregular_past_and_participle=verbs)

    def one():
        lemma, vbd, vbn = rng.choice(verbs)
        start = ["the", rng.choice(lex["persons"])[0]]
        obj = [] if lemma in NO_OBJECT else ["the", rng.choice(lex["nouns"])]
        if "had" in lex["vocab"] and rng.random() < 0.5:
            return _s(*start, "had", vbn, *obj), _s(*start, "had", vbd, *obj)
        return _s(*start, vbd, *obj), _s(*start, vbn, *obj)
    return why or one


def anaphor_agreement(lex: dict, rng: random.Random, gender: bool = False):
    """number: the boys hurt themselves . / the boys hurt himself . and the boy hurt himself . / the boy hurt
    themselves . ; gender: the girl hurt herself . / the girl hurt himself ."""
    own = {g: r for g, r in REFLEXIVE.items() if r in lex["vocab"]}
    if gender:
        needed, subjects = REFLEXIVE.values(), [p for p in lex["persons"] if p[1] == "sg" and p[2]]
        slots = {"gendered_noun": subjects}
    else:  # singular subjects only where gendered: "the child hurt themselves" is singular "they", not an error
        needed, subjects = ["themselves"], [p for p in lex["persons"] if p[1] == "pl" or p[2] in own]
        slots = {"himself_or_herself": list(own), "person_noun": subjects}
    why = _lacking(lex, ["the", *needed], past_of_a_reflexive_verb=lex["reflexive_past"], **slots)

    def one():
        (noun, number, g), verb = rng.choice(subjects), rng.choice(lex["reflexive_past"])
        if gender:
            good, bad = REFLEXIVE[g], REFLEXIVE["f" if g == "m" else "m"]
        elif number == "sg":
            good, bad = own[g], "themselves"
        else:  # the plural noun's own gender where it has one, so that only the number is wrong
            good, bad = "themselves", own.get(g) or own[rng.choice(sorted(own))]
        return _s("the", noun, verb, good), _s("the", noun, verb, bad)
    return why or one


def adjective_noun_order(lex: dict, rng: random.Random):
    """the old house was big . / the house old was big . (two neighbours swap; needs no plural, no reflexive)"""
    copulas = _present(lex, ("is", "was"))
    adjectives = [a for a in lex["adjectives"] if "ADV" not in getAllLemmas(a)]  # "the car often was" is fine
    why = _lacking(lex, ["the"], **{"is_or_was": copulas, "noun": lex["nouns"], "two_adjectives": adjectives[1:]})

    def one():
        noun, (adj, pred), cop = rng.choice(lex["nouns"]), rng.sample(adjectives, 2), rng.choice(copulas)
        return _s("the", adj, noun, cop, pred), _s("the", noun, adj, cop, pred)
    return why or one


PARADIGMS: dict[str, tuple[str, Callable]] = {  # name -> (phenomenon, maker)
    "determiner_noun_agreement": ("determiner_noun_agreement", determiner_noun_agreement),
    "determiner_noun_agreement_with_adjective": ("determiner_noun_agreement",
                                                 partial(determiner_noun_agreement, adjective=True)),
    "subject_verb_agreement": ("subject_verb_agreement", subject_verb_agreement),
    "subject_verb_agreement_across_prepositional_phrase": ("subject_verb_agreement",
                                                           partial(subject_verb_agreement, preposition=True)),
    "irregular_past": ("irregular_forms", irregular_past),
    "anaphor_number_agreement": ("anaphor_agreement", anaphor_agreement),
    "anaphor_gender_agreement": ("anaphor_agreement", partial(anaphor_agreement, gender=True)),
    "adjective_noun_order": ("word_order", adjective_noun_order),
}


# --------------------------------------------------------------------------------------------------
# Generating, checking, writing


def _check(good: str, bad: str, vocab: frozenset, paradigm: str) -> None:
    """The promises every pair keeps; a failure here is a bug in a template, so it raises."""
    g, b = words(good), words(bad)
    outside = sorted({w for w in g + b if w not in vocab})
    if outside or len(g) != len(b) or g == b:
        raise AssertionError(f"{paradigm}: bad pair {good!r} / {bad!r} (outside the vocabulary: {outside})")


def generate_minimal_pairs(vocabulary, pairs_per_paradigm: int = 100,
                           seed: int = 0) -> tuple[list[dict], dict[str, str]]:
    """-> (pairs, skipped). vocabulary: an iterable of words or a {word: count} mapping (e.g. counts from a
    training corpus; only the words are used). Each pair: {"sentence_good", "sentence_bad", "paradigm",
    "phenomenon", "pair_id"} (pair_id a str unique within its paradigm). skipped: {paradigm: one-line reason}
    for paradigms the vocabulary cannot fill."""
    lex = build_lexicon(vocabulary)
    pairs, skipped = [], {}
    for name, (phenomenon, make) in PARADIGMS.items():
        # one generator per paradigm, so adding a paradigm or changing one cap leaves the others' pairs alone
        one = make(lex, random.Random(f"{seed}:{name}"))
        if isinstance(one, str):
            skipped[name] = one
            continue
        seen = set()
        for _ in range(20 * pairs_per_paradigm):  # a small lexicon may have fewer distinct pairs than the cap
            if len(seen) >= pairs_per_paradigm:
                break
            good, bad = one()
            if (good, bad) not in seen:
                _check(good, bad, lex["vocab"], name)
                pairs.append({"sentence_good": good, "sentence_bad": bad, "paradigm": name,
                              "phenomenon": phenomenon, "pair_id": str(len(seen))})
                seen.add((good, bad))
    return pairs, skipped


def vocabulary_from_texts(texts: Iterable[str], min_count: int = 2) -> dict[str, int]:
    """Word counts of ``texts`` (words as ``text_units.words`` gives them: lower case), most frequent first;
    words seen fewer than ``min_count`` times are left out (a model barely knows them)."""
    counts = Counter(w for text in texts for w in words(text))
    return {w: n for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= min_count}


def write_pairs_jsonl(pairs: Iterable[dict], path) -> None:
    """One JSON object per line, written atomically (a reader never sees half a file)."""
    write_atomic(path, [json.dumps(pair, ensure_ascii=False) for pair in pairs])
