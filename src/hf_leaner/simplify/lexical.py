"""The offline simplifier: no model, only a lexical resource and rules.

For each chunk: noise out, private data and dates made vague, names of people and places replaced
(WordNet's named instances, titles such as "Dr."/"King", and two-word names that start with a known
given name), then every word whose lemma is outside the 2,000-word core list is swapped for the
simpler word of :mod:`.lexicon`, in the same inflection (``lemminflect``) and capitalisation.
It does not restructure sentences, so long sentences stay long; that is where an LLM does better.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hf_leaner.data.text_units import common_english_words

from .lexicon import load_lexicon
from .rules import PLACE_WORDS, NameMap, remove_noise, scrub_private, vague_times

_TITLE = r"(?:Mr|Mrs|Ms|Dr|Prof|Sir|Lady|Lord|King|Queen|Prince|Princess|President|Professor|Saint|St|General|Captain)"
_CAP = r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?"
# a name never spans a line break (a wiki title line ends where the article starts)
_NAME_RE = re.compile(rf"\b(?:(?P<title>{_TITLE})\.?[ \t]+)?(?P<name>{_CAP}(?:[ \t]+(?:(?:of|de|van|von|da)[ \t]+)?{_CAP})*)")
_TOKEN_RE = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;\"“(]\s*|\n\s*)$")


class LexicalSimplifier:
    """``simplify(text)`` -> simpler text, deterministic; one instance can serve many documents."""

    def __init__(self):
        lex = load_lexicon()
        self.simpler, self.pos, self.entities = lex["simpler"], lex["pos"], lex["entities"]
        self.core = common_english_words()

    # ---------------------------------------------------------------- names and places
    def entity_class(self, name: str) -> str | None:
        return self.entities.get(name.lower())

    def replace_entities(self, text: str, names: NameMap) -> str:
        def sub(m: re.Match) -> str:
            full, name, title = m.group(0), m.group("name"), m.group("title")
            parts = name.split()
            at_start = bool(_SENTENCE_START_RE.search(text[:m.start()]))
            cls = self.entity_class(name)
            if len(parts) == 1 and not title and name.lower() in self.core and cls not in ("city", "country"):
                return full  # "King", "Red", "Will": common words first, names only with more evidence
            if cls is None and len(parts) > 1:
                first = self.entity_class(parts[0])
                if first == "person" or self.entity_class(parts[-1]) == "person":
                    cls = "person"
                elif self.entity_class(" ".join(parts[-2:])) in PLACE_WORDS:
                    return full[: full.rfind(" ".join(parts[-2:]))] + PLACE_WORDS[self.entity_class(" ".join(parts[-2:]))]
            if title and cls is None and not (len(parts) == 1 and parts[0].lower() in self.core):
                cls = "person"
            if cls is None:
                return full
            if cls == "person":
                if at_start and len(parts) == 1 and not title and parts[0].lower() in self.core:
                    return full  # "Will you ..." at a sentence start is not a name
                return names.person(name)
            return PLACE_WORDS[cls]

        return _NAME_RE.sub(sub, text)

    # ---------------------------------------------------------------- words
    @lru_cache(maxsize=200_000)
    def simpler_word(self, word: str) -> str | None:
        """A simpler word for ``word`` (lower case) in the same inflection, or None to keep it."""
        from lemminflect import getAllInflections, getAllLemmas, getInflection

        if word in self.core:
            return None
        lemmas = getAllLemmas(word) or {}
        if any(lem in self.core for forms in lemmas.values() for lem in forms):
            return None  # an inflection of a core word ("walked"): already simple
        candidates = [(upos, forms[0]) for upos, forms in lemmas.items() if forms]
        if not candidates and word in self.pos:
            candidates = [(self.pos[word], word)]
        # only the part of speech the word is most used as (no tagger: WordNet's sense counts)
        candidates.sort(key=lambda c: c[0] != self.pos.get(c[1], c[0]))
        for upos, lemma in candidates[:1]:
            new = self.simpler.get(upos, {}).get(lemma)
            if not new:
                return None
            if new == lemma or word == lemma:
                return new
            for tag, forms in getAllInflections(lemma, upos).items():
                if word in forms:
                    out = getInflection(new, tag)
                    return out[0] if out else None
        return None

    def replace_words(self, text: str) -> str:
        def sub(m: re.Match) -> str:
            token = m.group(0)
            if token[0].isupper():
                if not token[1:].islower() or not _SENTENCE_START_RE.search(text[:m.start()][-3:] or ""):
                    return token  # a proper noun or an acronym mid-sentence: leave it
            new = self.simpler_word(token.lower())
            if not new:
                return token
            return new.capitalize() if token[0].isupper() else new

        return _TOKEN_RE.sub(sub, text)

    # ---------------------------------------------------------------- all together
    def apply_rules(self, text: str, names: NameMap | None = None) -> str:
        """Noise, private data, times and names: everything but the word swaps."""
        names = names if names is not None else NameMap()
        text = remove_noise(text)
        text = scrub_private(text)
        text = vague_times(text)
        return self.replace_entities(text, names)

    def simplify(self, text: str, names: NameMap | None = None) -> str:
        return self.replace_words(self.apply_rules(text, names)).strip()

    def simplify_code_comments(self, code: str, names: NameMap | None = None) -> str:
        """A fenced code block: only its comments (``#`` and ``//`` to the end of a line) are simplified."""
        out = []
        for line in code.split("\n"):
            m = re.search(r"(?<![:'\"])(#|//)\s?(.*)$", line)
            if m and not line.lstrip().startswith("```") and m.group(2).strip():
                line = line[:m.start(2)] + self.simplify(m.group(2), names)
            out.append(line)
        return "\n".join(out)
