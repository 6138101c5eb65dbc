"""Write hf-leaner's own small sample corpus, in the TinyHelen release layout.

The quickstart and the tests that must not depend on ``../shared`` use it. Every text is produced
here from our own word lists and sentence patterns: each document exists twice, as an ORIGINAL
version (rarer words, longer sentences, web noise) and as its LEANER version (common words, short
sentences), so the statistics and the LEANER-vs-ORIGINAL experiments have something real to show.
The files mirror the release's quirks: ``.jsonl.zst`` and ``.json.zst`` originals, shard numbers that
continue across splits in ``ori/``, genre-specific record shapes, and a ``hash`` join key.

    python dataset_scripts/write_sample_corpus.py [--out src/hf_leaner/sample_data]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
from pathlib import Path

import zstandard

# (plain word, the rarer word an original text would use)
WORDS = {
    "noun": [("house", "residence"), ("car", "automobile"), ("doctor", "physician"), ("town", "municipality"),
             ("job", "occupation"), ("kid", "juvenile"), ("food", "nourishment"), ("road", "thoroughfare"),
             ("school", "academy"), ("boat", "vessel"), ("shop", "establishment"), ("river", "waterway"),
             ("friend", "companion"), ("teacher", "educator"), ("garden", "horticultural plot"),
             ("money", "capital"), ("plan", "strategy"), ("book", "volume"), ("dog", "canine"),
             ("bird", "avian creature"), ("farm", "agricultural holding"), ("tree", "arboreal specimen"),
             ("rain", "precipitation"), ("light", "illumination"), ("game", "competition")],
    "verb": [("helped", "assisted"), ("used", "utilized"), ("bought", "purchased"), ("started", "commenced"),
             ("ended", "terminated"), ("showed", "demonstrated"), ("got", "obtained"), ("made", "constructed"),
             ("told", "informed"), ("tried", "endeavored"), ("saw", "observed"), ("fixed", "rectified"),
             ("asked", "inquired of"), ("found", "ascertained"), ("kept", "retained"), ("left", "departed from"),
             ("liked", "appreciated"), ("moved", "relocated"), ("built", "erected"), ("cleaned", "sanitized")],
    "adj": [("big", "enormous"), ("small", "diminutive"), ("old", "antiquated"), ("new", "novel"),
            ("happy", "jubilant"), ("sad", "melancholic"), ("fast", "expeditious"), ("slow", "sluggish"),
            ("kind", "benevolent"), ("smart", "astute"), ("quiet", "tranquil"), ("busy", "bustling"),
            ("strong", "robust"), ("cold", "frigid"), ("warm", "temperate"), ("bright", "luminous")],
    "adv": [("often", "frequently"), ("soon", "imminently"), ("very", "exceedingly"), ("now", "presently"),
            ("later", "subsequently"), ("also", "additionally"), ("sadly", "regrettably")],
}
NAMES = ["Mia", "Leo", "Sara", "Tom", "Ana", "Ben", "Ivy", "Omar", "Lily", "Max", "Nora", "Sam"]
PLACES = [("the north", "the northern provinces"), ("the coast", "the littoral region"),
          ("the hills", "the highlands"), ("the city", "the metropolitan area"), ("the valley", "the river basin")]
LINKS = [("Then", "Subsequently,"), ("So", "Consequently,"), ("But", "Nevertheless,"), ("Also", "Furthermore,"),
         ("After that", "Thereafter,")]
NOISE = ["Click here to subscribe to our newsletter!", "Read more >>", "[citation needed]", "Share this: Facebook | Twitter",
         "Posted by admin at 10:42 PM", "Copyright (c) All rights reserved."]


class Writer:
    """Makes one document in both versions at once, so they stay parallel sentence by sentence."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.plain: list[str] = []
        self.fancy: list[str] = []

    def pick(self, kind: str) -> tuple[str, str]:
        return self.rng.choice(WORDS[kind])

    def sentence(self, subject: tuple[str, str] | None = None) -> None:
        r = self.rng
        name = r.choice(NAMES)
        subj = subject or (name, name)
        n1, n2, v, a, adv = self.pick("noun"), self.pick("noun"), self.pick("verb"), self.pick("adj"), self.pick("adv")
        place = r.choice(PLACES)
        form = r.randrange(4)
        if form == 0:
            p = f"{subj[0]} {v[0]} the {a[0]} {n1[0]}."
            f = f"{subj[1]} {v[1]} the {a[1]} {n1[1]}."
        elif form == 1:
            p = f"The {n1[0]} in {place[0]} was {adv[0]} {a[0]}. {subj[0]} {v[0]} it."
            f = f"The {n1[1]} situated in {place[1]}, which was {adv[1]} {a[1]}, was {v[1].split()[0]} by {subj[1]}."
        elif form == 2:
            link = r.choice(LINKS)
            p = f"{link[0]} {subj[0]} {v[0]} a {n2[0]}. It was {a[0]}."
            f = f"{link[1]} {subj[1]} {v[1]} a {a[1]} {n2[1]}, notwithstanding considerable difficulties."
        else:
            p = f"{subj[0]} and a {n1[0]} {v[0]} the {n2[0]} {adv[0]}."
            f = (f"{subj[1]}, accompanied by a {n1[1]}, {adv[1]} {v[1]} the {n2[1]}, an undertaking that "
                 f"proved {a[1]}.")
        self.plain.append(p)
        self.fancy.append(f)

    def raw(self, plain: str, fancy: str) -> None:
        self.plain.append(plain)
        self.fancy.append(fancy)

    def texts(self, sep: str = " ") -> tuple[str, str]:
        return sep.join(self.plain), sep.join(self.fancy)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_prose(rng: random.Random, genre: str, i: int) -> tuple[str, dict, str]:
    """(leaner text, original record, original text) for one prose document."""
    w = Writer(rng)
    if genre == "wiki":
        town = f"{rng.choice(['Ash', 'Bel', 'Cor', 'Dun', 'Elm', 'Fen', 'Gar'])}{rng.choice(['ford', 'ton', 'wick', 'by'])}"
        w.raw(f"{town}\n{town} is a small town in {rng.choice(PLACES)[0]}.",
              f"{town}\n{town} is a municipality and census-designated place located in {rng.choice(PLACES)[1]}.")
        for _ in range(rng.randint(3, 7)):
            w.sentence(("The town", "The municipality"))
        plain, fancy = w.texts()
        return plain, {str(10_000 + i): fancy}, fancy
    if genre == "textbook":
        topic = rng.choice(WORDS["noun"])
        w.raw(f"Lesson: All About the {topic[0].title()}\n\nIntroduction:\nIn this lesson, we will learn about the {topic[0]}.",
              f"Lesson: A Comprehensive Examination of the {topic[1].title()}\n\nIntroduction:\nThis lesson "
              f"investigates the characteristics of the {topic[1]} in considerable depth.")
        for section in range(1, rng.randint(3, 4)):
            w.raw(f"\n\nSection {section}:", f"\n\nSection {section}:")
            for _ in range(rng.randint(3, 5)):
                w.sentence()
        w.raw("\n\nConclusion:\nNow we know more about it.", "\n\nConclusion:\nThe foregoing analysis elucidates its significance.")
        plain, fancy = w.texts()
        return plain, {"text": f"source web page {i}: {fancy[:80]}", "source": "sample", "s": 5,
                       "len": len(fancy), "idx": 500 + i, "textbook": fancy}, fancy
    if genre == "conversation":
        for _ in range(rng.randint(8, 16)):
            n, a = rng.choice(WORDS["noun"]), rng.choice(WORDS["adj"])
            form = rng.randrange(3)
            if form == 0:
                w.raw(f'"Where is the {n[0]}?"', f'"Would you happen to know where the {n[1]} might be?"')
            elif form == 1:
                w.raw(f'"It is {a[0]}."', f'"Frankly, I find it rather {a[1]}, don\'t you?"')
            else:
                w.raw('"Yes."', '"Yeah, yeah, absolutely, no doubt about it."')
        plain, fancy = w.texts()
        return plain, fancy, fancy
    # web and book
    count = rng.randint(25, 40) if genre == "book" else rng.randint(5, 10)
    if genre == "book":
        w.raw(f"Chapter {i + 1}\n\n", f"CHAPTER {['I', 'II', 'III', 'IV', 'V', 'VI'][i % 6]}\n\n")
    for k in range(count):
        w.sentence()
        if genre == "web" and k == 2:
            w.fancy.append(rng.choice(NOISE))
    if genre == "web":
        w.fancy.append(rng.choice(NOISE))
    plain, fancy = w.texts()
    return plain, {"text": fancy, "meta": {"set_name": "sample"}}, fancy


FUNCS = [("add two numbers", "add", "a + b"), ("find the bigger of two numbers", "bigger", "a if a > b else b"),
         ("multiply two numbers", "times", "a * b"), ("find the gap between two numbers", "gap", "abs(a - b)")]


def make_code(rng: random.Random, i: int) -> tuple[dict, dict]:
    what, name, expr = rng.choice(FUNCS)
    lang = "Python"
    response = f"```python\ndef {name}(a, b):\n    return {expr}\n\nprint({name}({rng.randint(1, 9)}, {rng.randint(1, 9)}))\n```"
    ori_prompt = (f"Develop a {lang} function snippet to {what.title()} for Decision Making for Beginners. "
                  "Incorporate if/else statements and ensure your control flow is well-documented.")
    leaner_prompt = f"Let's write a small {lang} program to {what}. We will make a function and try it."
    meta = {"main_topic": "Numbers", "subtopic": what, "programming_language": lang, "idx": 900 + i}
    ori = {"prompt": ori_prompt, **meta, "response": "Here is a sample implementation:\n\n" + response}
    leaner = {"prompt": leaner_prompt, **meta, "response": "Here is how:\n\n" + response,
              "hash": sha(ori["prompt"] + " " + ori["response"])}
    return leaner, ori


def make_math(rng: random.Random, i: int) -> dict:
    a, b, c = rng.randint(2, 9), rng.randint(2, 9), rng.randint(1, 20)
    problem = f"Evaluate the following expression. ${c} + {a} \\times {b}$"
    rec = {"problem": problem, "hints": [f"$= {c} + {a * b}$", f"$= {c + a * b}$"],
           "problem_domain": "order-of-operations", "problem_idx": str(7000 + i)}
    rec["hash"] = sha(json.dumps(rec, sort_keys=True))
    return rec


def write_jsonl(path: Path, records, compress: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    if compress:
        path.write_bytes(zstandard.ZstdCompressor(level=19).compress(data))
    else:
        path.write_bytes(data)


# documents per genre and split; book documents are long, so few
COUNTS = {"web": (240, 16), "book": (24, 4), "wiki": (360, 20), "textbook": (150, 12), "conversation": (150, 12),
          "code": (40, 6), "math": (80, 10)}
def scrambled(sentence: str) -> str:
    """The words of a sentence backwards: unacceptable English made from acceptable English."""
    return " ".join(reversed(sentence.rstrip(".").split())).capitalize() + "."


# labels alternate with the row (balanced, and learnable from the text) without drawing from the generator, so
# every file written after these stays the same; sst2 keeps its random labels (drawn, so kept as they were)
GLUE = {
    "cola": lambda r, w, i: {"sentence": w.plain[0] if i % 2 == 0 else scrambled(w.plain[0]), "label": 1 - i % 2},
    "sst2": lambda r, w, i: {"sentence": w.plain[0], "label": r.randrange(2)},
    "mrpc": lambda r, w, i: {"sentence1": w.plain[0], "sentence2": w.plain[0].replace(".", " today.") if i % 2 == 0
                             else "Nobody said a word about it.", "label": 1 - i % 2},
    "stsb": lambda r, w, i: {"sentence1": w.plain[0], "sentence2": (w.plain[0], w.plain[0].split(".")[0].rsplit(" ", 1)[0]
                             + ".", "The sky was grey all day.")[i % 3], "label": (5.0, 2.5, 0.0)[i % 3]},
    "rte": lambda r, w, i: {"sentence1": w.plain[0], "sentence2": w.plain[0] if i % 2 == 0 else "Nothing happened at all.",
                            "label": i % 2},
}
MNLI_HYPOTHESES = (None, "Something else happened later.", "Nothing happened at all.")  # entailment, neutral, contradiction
QUESTIONS = ["Why do we need to sleep?", "How can you help a friend who is sad?", "What do plants need to grow?",
             "Tell a short story about a dog and a boat.", "Why is it good to wash your hands?",
             "What can you do on a rainy day?", "How do you make a friend at a new school?",
             "What is a river?", "Why should we be kind to animals?", "How do birds fly?"]


def write_sample(out: Path, seed: int = 0) -> None:
    rng = random.Random(seed)
    if out.exists():
        for sub in ("data", "original_instruct"):
            shutil.rmtree(out / sub, ignore_errors=True)
    data = out / "data"
    # the 10M folder holds train + validation, the 100M folder a small test split (as in the release)
    layout = [("10M", "train", 0), ("10M", "validation", 1), ("100M", "test", 2)]
    for genre, (n_train, n_valid) in COUNTS.items():
        for folder, split, shard in layout:
            n = {"train": n_train, "validation": n_valid, "test": max(2, n_valid // 2)}[split]
            leaner_recs, ori_recs = [], []
            for i in range(n):
                if genre == "code":
                    leaner, ori = make_code(rng, i)
                elif genre == "math":
                    leaner = ori = make_math(rng, i)
                else:
                    plain, ori, ori_text = make_prose(rng, genre, i)
                    leaner = {"text": plain, "hash": sha(ori_text)}
                    if genre == "wiki":
                        leaner = {"idx": 10_000 + i, **leaner}
                leaner_recs.append(leaner)
                ori_recs.append(ori)
            write_jsonl(data / "leaner" / folder / split / f"{genre}0000.jsonl", leaner_recs)
            ori_dir = data / "ori" / folder / split
            if genre == "math":  # plain and identical to the leaner file, as in the release
                write_jsonl(ori_dir / "math0000.jsonl", ori_recs)
            elif genre == "conversation":  # a JSON array of strings
                ori_dir.mkdir(parents=True, exist_ok=True)
                (ori_dir / f"conversation{shard:04d}.json.zst").write_bytes(
                    zstandard.ZstdCompressor(level=19).compress(json.dumps(ori_recs).encode()))
            else:  # shard numbers continue across splits, as in the release's ori/ folder
                write_jsonl(ori_dir / f"{genre}{shard:04d}.jsonl.zst", ori_recs, compress=True)
    for task, make in GLUE.items():
        for split, n in (("train", 24), ("validation", 8)):
            recs = []
            for i in range(n):
                w = Writer(rng)
                w.sentence()
                recs.append({**make(rng, w, i), "idx": i})
            write_jsonl(data / "leaner" / "glue" / f"{task}_{split}.jsonl", recs)
    mnli = []
    for i in range(12):
        w = Writer(rng)
        w.sentence()
        mnli.append({"premise": w.plain[0], "hypothesis": MNLI_HYPOTHESES[i % 3] or w.plain[0], "label": i % 3, "idx": i})
    write_jsonl(data / "leaner" / "glue" / "mnli_validation_matched.jsonl", mnli)
    questions = [{"question": q, "source": "hf-leaner-sample", "hash": sha(q)} for q in QUESTIONS]
    write_jsonl(data / "leaner" / "eval" / "all.jsonl", questions)
    write_jsonl(data / "leaner" / "eval" / "split-0-7.jsonl", questions[:7])
    write_jsonl(data / "leaner" / "eval" / "inner_comparison.jsonl", questions[7:])
    write_instructions(data, random.Random(seed + 1))


def make_instruction(rng: random.Random) -> tuple[dict, dict]:
    """One instruction record as (LEANER version, ORIGINAL version), alpaca-shaped, paired by ``hash``."""
    n, a, _verb = rng.choice(WORDS["noun"]), rng.choice(WORDS["adj"]), rng.choice(WORDS["verb"])
    name, place = rng.choice(NAMES), rng.choice(PLACES)
    form = rng.randrange(5)
    if form == 0:
        plain = (f"Write one sentence about a {a[0]} {n[0]}.", "", f"The {n[0]} was {a[0]}, and everyone liked it.")
        fancy = (f"Compose a single sentence concerning a {a[1]} {n[1]}.", "",
                 f"The {n[1]} was decidedly {a[1]}, and it was universally appreciated.")
    elif form == 1:
        plain = ("Make this sentence simpler.", f"The {n[1]} was {a[1]}.", f"The {n[0]} was {a[0]}.")
        fancy = ("Rewrite the following sentence in plainer language.", f"The {n[1]} was {a[1]}.",
                 f"The {n[0]} was {a[0]}.")
    elif form == 2:
        w = Writer(rng)
        for _ in range(2):
            w.sentence((name, name))
        plain = (f"Tell a short story about {name} and a {n[0]}.", "", w.texts()[0])
        fancy = (f"Narrate a brief story involving {name} and a {n[1]}.", "", w.texts()[1])
    elif form == 3:
        plain = (f"What is a {n[0]}?", "", f"A {n[0]} is something you can find in {place[0]}. People like it.")
        fancy = (f"Provide a definition of the term '{n[1]}'.", "",
                 f"A {n[1]} is an entity commonly encountered in {place[1]}, generally regarded favorably.")
    else:
        plain = (f"Why is it good to be {a[0]}?", "", f"Being {a[0]} helps you. It also helps your friends.")
        fancy = (f"Explain the advantages of being {a[1]}.", "",
                 f"Being {a[1]} confers benefits upon the individual and, additionally, upon their companions.")
    original = dict(zip(("instruction", "input", "output"), fancy))
    leaner = {**dict(zip(("instruction", "input", "output"), plain)),
              "hash": sha(json.dumps(original, sort_keys=True))}
    return leaner, original


def write_instructions(data: Path, rng: random.Random, count: int = 160) -> None:
    """The release's LEANER-Instruct file shape, plus an alpaca-shaped ORIGINAL twin for EXP2 (not in the release)."""
    pairs = [make_instruction(rng) for _ in range(count)]
    write_jsonl(data / "leaner" / "instruction0000.jsonl", [p[0] for p in pairs])
    write_jsonl(data.parent / "original_instruct" / "alpaca_sample.jsonl", [p[1] for p in pairs])

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "src/hf_leaner/sample_data"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write_sample(Path(args.out), args.seed)
    print(f"wrote the sample corpus to {args.out}")


if __name__ == "__main__":
    main()
