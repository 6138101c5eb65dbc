"""Minimal-pair suites for zero-shot grammar evaluation: BLiMP, Zorro, the Hub's ``nyu-mll/blimp``, or any JSONL of
``sentence_good`` / ``sentence_bad`` pairs, read into one shape (:class:`MinimalPair`).

    >>> suite = load_suite("blimp", "../shared/blimp")            # a local copy of BLiMP's GitHub layout
    >>> suite = load_suite("zorro", "../shared/zorro")            # Zorro's sentences/*.txt
    >>> suite = load_suite("blimp", "nyu-mll/blimp")              # the Hub dataset, only when asked by id
    >>> suite = load_suite("mine", "my_pairs.jsonl")              # a user's own suite

The package ships no copy of either benchmark. BLiMP's files use six different field sets, so a line is read for
the fields a pair needs (``sentence_good``, ``sentence_bad``, and ``UID``, ``pairID``, ``linguistics_term`` when
present), never with one inferred schema. A pair whose two sentences are identical (7 in BLiMP) is kept and marked:
it can measure nothing, so it is reported and left out of accuracy.

**The LEANER view** (:func:`in_leaner_vocabulary`): the pairs whose every word is one of the 2,000 most frequent
English words, the fixed list ``hf-leaner stats`` uses for ``>2K``. A word counts as in the list when it is, or when
one of its lemmas (``lemminflect``) is: the list holds ``child`` but the sentence says ``children``. A proper name
(a capitalised word that is not sentence-initial, or a sentence-initial one that is no known English word) counts
as in: LEANER text keeps names, and a name is not vocabulary a model must know. Possessive ``'s`` is stripped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hf_leaner.data.release import iter_records
from hf_leaner.utils.errors import LeanerDataError

BLIMP_HUB_ID = "nyu-mll/blimp"
LEANER_WORDS = 2000  # the fixed list's size, as stats' ">2K"
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")


@dataclass(frozen=True)
class MinimalPair:
    suite: str
    paradigm: str       # BLiMP's UID, Zorro's file name, or the JSONL's "paradigm" / "UID" field
    phenomenon: str     # BLiMP's linguistics_term, Zorro's file name before its last "-", or the JSONL's field
    pair_id: str
    good: str
    bad: str

    @property
    def identical(self) -> bool:
        return self.good.strip() == self.bad.strip()


def load_suite(suite: str, source: str | Path) -> list[MinimalPair]:
    """All pairs of a suite from a local folder or file, or (an ``owner/name`` that is no local path) the Hub."""
    path = Path(source)
    if path.is_file():
        pairs = _read_jsonl(suite, path)
        if not pairs:
            raise LeanerDataError(f"{path}: no minimal pairs in this file")
        return pairs
    if path.is_dir():
        if (path / "sentences").is_dir() or any(path.glob("*.txt")):
            return _read_zorro(suite, path / "sentences" if (path / "sentences").is_dir() else path)
        folder = path / "data" if (path / "data").is_dir() else path
        files = sorted(folder.glob("*.jsonl"))
        if not files:
            raise LeanerDataError(f"{path}: no minimal pairs here (expected BLiMP's data/<UID>.jsonl, Zorro's "
                                  "sentences/*.txt, or JSONL files of sentence_good / sentence_bad pairs)")
        return [pair for f in files for pair in _read_jsonl(suite, f)]
    if re.fullmatch(r"[\w.-]+/[\w.-]+", str(source)):
        return _read_hub(suite, str(source))
    raise LeanerDataError(f"{source}: no such file or folder (give a local copy of the suite, or a Hub dataset id "
                          f"such as {BLIMP_HUB_ID})")


def _read_jsonl(suite: str, path: Path) -> list[MinimalPair]:
    # the release's reader: plain or .zst, every bad line (JSON, UTF-8) named by file and line
    return [_pair_from_row(suite, row, f"{path}:{line_no}", default_paradigm=path.stem, default_id=str(line_no - 1))
            for line_no, row in iter_records(path)]


def _pair_from_row(suite: str, row, where: str, default_paradigm: str, default_id: str) -> MinimalPair:
    if not isinstance(row, dict):
        raise LeanerDataError(f"{where}: expected a JSON object with sentence_good and sentence_bad")
    for key in ("sentence_good", "sentence_bad"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise LeanerDataError(f"{where}: field {key!r} is missing or empty")
    paradigm = str(row.get("UID") or row.get("paradigm") or default_paradigm)
    phenomenon = str(row.get("linguistics_term") or row.get("phenomenon") or paradigm)
    pair_id = str(row.get("pairID", row.get("pair_id", default_id)))
    return MinimalPair(suite, paradigm, phenomenon, pair_id, row["sentence_good"].strip(), row["sentence_bad"].strip())


def _read_zorro(suite: str, folder: Path) -> list[MinimalPair]:
    pairs = []
    for path in sorted(folder.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        while lines and not lines[-1]:
            lines.pop()
        if len(lines) % 2:
            raise LeanerDataError(f"{path}: {len(lines)} lines; Zorro files alternate ungrammatical / grammatical "
                                  "lines, so the count must be even")
        for k in range(0, len(lines), 2):
            if not lines[k] or not lines[k + 1]:
                raise LeanerDataError(f"{path}:{k + 1 if not lines[k] else k + 2}: empty sentence")
            # Zorro: the ungrammatical sentence first, then the grammatical one; the phenomenon is the name before the
            # last "-" (filler-gap-wh_question_object -> filler-gap)
            pairs.append(MinimalPair(suite, path.stem, path.stem.rsplit("-", 1)[0], str(k // 2), lines[k + 1], lines[k]))
    if not pairs:
        raise LeanerDataError(f"{folder}: no Zorro sentence files (*.txt)")
    return pairs


def _read_hub(suite: str, repo_id: str) -> list[MinimalPair]:
    """Every config (paradigm) of a Hub dataset such as ``nyu-mll/blimp``: downloaded, cached like any dataset."""
    from datasets import get_dataset_config_names, load_dataset

    pairs = []
    for config in get_dataset_config_names(repo_id):
        for split in load_dataset(repo_id, config).values():
            for i, row in enumerate(split):
                pairs.append(_pair_from_row(suite, row, f"{repo_id}/{config}:{i + 1}", config, str(i)))
    return pairs


def subset(pairs: list[MinimalPair], per_paradigm: int | None, seed: int = 0) -> list[MinimalPair]:
    """At most ``per_paradigm`` pairs of each paradigm, chosen by a seeded hash of the pair's id: stable across
    runs and machines, and a larger N keeps every pair a smaller N chose."""
    if not per_paradigm:
        return pairs

    def rank(pair: MinimalPair) -> str:
        return hashlib.sha1(f"{seed}/{pair.paradigm}/{pair.pair_id}".encode()).hexdigest()

    kept = {id(p) for group in by_paradigm(pairs).values() for p in sorted(group, key=rank)[:per_paradigm]}
    return [p for p in pairs if id(p) in kept]


def by_paradigm(pairs: list[MinimalPair]) -> dict[str, list[MinimalPair]]:
    out: dict[str, list[MinimalPair]] = {}
    for pair in pairs:
        out.setdefault(pair.paradigm, []).append(pair)
    return out


# ---- the LEANER view ----

@lru_cache(maxsize=1)
def _leaner_words() -> frozenset[str]:
    from hf_leaner.data.text_units import common_english_words

    return common_english_words(LEANER_WORDS)


@lru_cache(maxsize=65536)
def _word_in_list(word: str, capitalised: bool, sentence_initial: bool) -> bool:
    from lemminflect import getAllLemmas

    lower = word.lower()
    for suffix in ("'s", "’s"):
        if lower.endswith(suffix) and len(lower) > len(suffix):
            lower, word = lower[: -len(suffix)], word[: -len(suffix)]
    allowed = _leaner_words()
    if lower in allowed:
        return True
    lemmas = getAllLemmas(lower)
    if any(lemma in allowed for forms in lemmas.values() for lemma in forms):
        return True
    # a proper name: capitalised mid-sentence, or sentence-initial and no known English word
    return capitalised and (not sentence_initial or not lemmas)


def sentence_in_leaner_vocabulary(sentence: str) -> bool:
    for k, match in enumerate(_WORD.finditer(sentence)):
        word = match.group()
        if not _word_in_list(word, word[0].isupper() and word != "I", k == 0):
            return False
    return True


def in_leaner_vocabulary(pair: MinimalPair) -> bool:
    """Whether every word of both sentences lies in the fixed 2,000-word list (lemmas and names as above)."""
    return sentence_in_leaner_vocabulary(pair.good) and sentence_in_leaner_vocabulary(pair.bad)
