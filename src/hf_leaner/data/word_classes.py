"""Word classes for CLIMB's objective curriculum: a coarse part-of-speech label for every token id of a tokenizer.

The tagger is type-level and offline: a word gets one class whatever its context. Closed classes (determiners,
pronouns, prepositions, conjunctions, auxiliaries, numbers, punctuation) come from our own short lists; open
classes from lemminflect's lemma tables (which part of speech a form can be a lemma or an inflection of), with
an inflection deciding ties (``walked`` is a verb, ``books`` a noun, ``quickly`` an adverb), then the order
NOUN > VERB > ADJ > ADV. A capitalised word-initial token the tables do not know is most likely a name, so NOUN.
A piece of a word (``ning`` of ``run|ning``, ``th`` of ``th|ing``) and the special tokens get no class (-100:
ignored by the loss).

Type-level classes are what a tiny model can be taught before tokens (CLIMB's "word class prediction"); they
need no tagger model and no download at run time.

    >>> table = token_word_classes(tokenizer)   # numpy int64, one class id (or -100) per token id
"""

from __future__ import annotations

import re

import numpy as np

WORD_CLASSES = ("NOUN", "VERB", "ADJ", "ADV", "DET", "PRON", "ADP", "CONJ", "AUX", "NUM", "PUNCT")
IGNORE = -100

CLOSED = {
    "DET": "a an the this that these those some any every each no all both either neither another such",
    "PRON": "i you he she it we they me him her us them my your his its our their mine yours hers ours theirs "
            "myself yourself himself herself itself ourselves themselves who whom whose what which someone something "
            "anyone anything everyone everything nobody nothing",
    "ADP": "in on at to from with by for of about into onto over under after before through between among around "
           "across behind below above near without within during until since against along up down off out",
    "CONJ": "and or but so because if when while although though than as whether nor yet unless",
    "AUX": "is am are was were be been being have has had do does did will would can could shall should may might "
           "must not",
    "NUM": "zero one two three four five six seven eight nine ten eleven twelve twenty thirty hundred thousand million "
           "first second third",
    "ADV": "where why how here there now then very too also just only still even again never always often soon "
           "sometimes already",
}
CLOSED_CLASS = {word: cls for cls, words in CLOSED.items() for word in words.split()}
OPEN_ORDER = ("NOUN", "VERB", "ADJ", "ADV")  # for a base form of several: the commonest class first


def word_class(word: str) -> str | None:
    """The type-level class of one lower-case word, or None when it is not a word of the tables."""
    from lemminflect import getAllLemmas

    if word in CLOSED_CLASS:
        return CLOSED_CLASS[word]
    if word.isdigit():
        return "NUM"
    lemmas = getAllLemmas(word)
    if not lemmas:
        return None
    inflected = [pos for pos, forms in lemmas.items() if word not in forms]  # the form is an inflection here
    if len(inflected) == 1:
        return inflected[0] if inflected[0] in OPEN_ORDER else None
    if word.endswith("ly") and "ADV" in lemmas:
        return "ADV"
    return next((pos for pos in OPEN_ORDER if pos in lemmas), None)


def token_word_classes(tokenizer) -> np.ndarray:
    """One class id per token id (index into :data:`WORD_CLASSES`), -100 for special tokens and word pieces."""
    tokens = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    special = set(tokenizer.all_special_ids)
    table = np.full(len(tokens), IGNORE, dtype=np.int64)
    for i, token in enumerate(tokens):
        if i in special or token is None:
            continue
        starts_word = token.startswith(("Ġ", "▁"))  # byte-level BPE / sentencepiece mark a word's first piece
        raw = token.lstrip("Ġ▁")
        text = raw.lower()
        if text and re.fullmatch(r"[^\w\s]+", text):
            table[i] = WORD_CLASSES.index("PUNCT")
        elif text.isalpha() or text.isdigit():
            cls = word_class(text)
            if cls is None and starts_word and raw[:1].isupper() and len(raw) >= 3:
                cls = "NOUN"  # a capitalised word-initial token the tables do not know: most likely a name
            # without a word-start mark, a token is a word only when it opens a text ("The"); a known word of
            # four letters or more is taken as one, a shorter piece ("ed", "hat" of "t|hat") is not
            if cls is not None and (starts_word or len(text) > 3):
                table[i] = WORD_CLASSES.index(cls)
    return table
