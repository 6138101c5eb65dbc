"""TinyHelen's benchmark builders through any OpenAI-compatible endpoint (``hf_leaner.llm``).

- :func:`make_glue` (Algorithm 2): rewrite every text field of a GLUE-format example into simple words, have
  a judge label the rewritten example, keep it only if the judge gives the original label (STS-B: within 1.0).
- :func:`make_eval` (Algorithm 3): write new simple questions from seed examples, drop exact and near
  duplicates (embedding cosine), and bucket the rest by their highest similarity to a reference set into
  the release's ``split-0-7`` / ``7-8`` / ``8-9`` / ``9-10`` files.

Both resume through the client's disk cache (``OUT/llm_cache``): a rerun after a kill sends only the
requests that never got a reply. A failed request is recorded in ``dropped.jsonl`` / the report with its
error, never turned into data. The prompts below are ours.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np

from ..data.glue_tasks import GLUE_TASKS
from ..data.release import iter_records
from ..utils.io import write_atomic

REWRITE_PROMPT = ("Rewrite the text below in plain, simple English that a young child knows: short common words, "
                  "the same meaning, nothing added. Reply with the rewritten text only.\n\nText: {text}")


def task_of(path: Path) -> str:
    task = path.name.split("_")[0].lower()
    if task not in GLUE_TASKS:
        raise ValueError(f"{path}: cannot tell the GLUE task from the file name (expected one of "
                         f"{', '.join(GLUE_TASKS)} before '_'); name the file like sst2_validation.jsonl")
    return task


# the words a model says around an answer, and the text of an endpoint's error: never a sentence of a benchmark
_PREAMBLE = re.compile(r"^(sure|okay|ok|certainly|of course|absolutely|here(?:'s| is| are)|below is|i (?:can|will|'ll|"
                       r"have)|let me|great)\b.*|.*:\s*$", re.I)
_NOT_CONTENT = re.compile(r"^(error\b|internal server error|bad gateway|service unavailable|rate limit|too many "
                          r"requests|i'?m sorry|i cannot|i can'?t|as an ai|request failed|\{\s*\"error\")", re.I)


def clean_reply(text: str | None) -> str:
    """The first line of a reply that is content: a leading label ("Answer:"), surrounding quotes and preamble
    lines ("Sure! Here is the simple version:") are dropped."""
    for line in (text or "").splitlines():
        line = re.sub(r"^\s*(rewritten text|rewrite|simple version|text|answer|question)\s*:\s*", "", line.strip(),
                      flags=re.I)
        line = line.strip().strip('"').strip()
        if line and not _PREAMBLE.fullmatch(line):
            return line
    return ""


def not_content(text: str, original: str | None = None) -> str | None:
    """Why a cleaned reply cannot be kept as benchmark text (None: it can): an error or refusal text, our own
    prompt echoed, or (against ``original``) far shorter or longer than what it rewrites."""
    if not text:
        return "no content in the reply (only preamble or nothing)"
    if _NOT_CONTENT.match(text):
        return f"not content: {text[:60]!r}"
    if text.lower().startswith(("rewrite the text below", "write one new question")):
        return "the prompt echoed"
    if original is not None:
        ratio = len(text.split()) / max(1, len(original.split()))
        if ratio < 0.25 or ratio > 4:
            return f"{len(text.split())} words for {len(original.split())}: not a rewrite of the text"
    return None


def judge_messages(task: str, fields: dict) -> list[dict]:
    """The judge's question about one example; its answer words are the task's GLUE label names."""
    t = GLUE_TASKS[task]
    body = "\n".join(f"{k}: {v}" for k, v in fields.items())
    options = "a number from 0 to 5" if t.is_regression else " or ".join(t.label_names)
    return [{"role": "user", "content": f"{t.judge_question}\n\n{body}\n\nAnswer with {options} only."}]


def parse_label(task: str, reply: str | None):
    """The judge's label index (STS-B: its score), or None when the reply names none."""
    text = (reply or "").lower()
    names = GLUE_TASKS[task].label_names
    if names is None:
        m = re.search(r"\d+(?:\.\d+)?", text)
        return min(5.0, float(m[0])) if m else None
    found = [(text.find(n.replace("_", " ")), i) for i, n in enumerate(names)]
    found += [(text.find(n), i) for i, n in enumerate(names)]
    # "not_entailment" contains "entailment": prefer the earliest, then the longest match
    hits = sorted((pos, -len(names[i]), i) for pos, i in found if pos >= 0)
    return hits[0][2] if hits else None


def _write_jsonl(path: Path, rows) -> None:
    write_atomic(path, [json.dumps(r, ensure_ascii=False) for r in rows])


def check_glue_records(path: Path, records: list[tuple[int, dict]]) -> None:
    """Every example has the task's text fields and a label the judge can give back; ValueError with file:line."""
    task = task_of(path)
    fields, names = GLUE_TASKS[task].text_fields, GLUE_TASKS[task].label_names
    for n, r in records:
        missing = [f for f in (*fields, "label") if f not in r]
        if missing:
            raise ValueError(f"{path}:{n}: a {task} example needs {', '.join(missing)}")
        label = r["label"]  # the label the judge must give back: a class, or (STS-B) a score from 0 to 5
        ok = (isinstance(label, int) and not isinstance(label, bool) and 0 <= label < len(names)) if names else (
            isinstance(label, (int, float)) and not isinstance(label, bool) and 0 <= label <= 5)
        if not ok:
            raise ValueError(f"{path}:{n}: field 'label' = {label!r} is not "
                             + (f"a class of {list(names)}" if names else "a similarity score from 0 to 5"))


def check_glue_files(files: list[str], max_examples: int | None = None) -> None:
    """:func:`check_glue_records` on the files, before any endpoint is started or asked."""
    for file in files:
        check_glue_records(Path(file), [(n, r) for n, r in iter_records(file)][:max_examples])


def make_glue(files: list[str], client, output_dir, max_examples: int | None = None, params: dict | None = None) -> dict:
    """Rewrite, re-label, keep what survives; writes ``OUT/<file>.jsonl``, ``OUT/dropped.jsonl``, ``OUT/report.json``."""
    params = {"temperature": 0, "max_tokens": 96, **(params or {})}
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    report, dropped = {"tasks": {}}, []
    for file in files:
        path = Path(file)
        task = task_of(path)
        fields, names = GLUE_TASKS[task].text_fields, GLUE_TASKS[task].label_names
        records = [(n, r) for n, r in iter_records(path)][:max_examples]
        check_glue_records(path, records)
        asks = [[{"role": "user", "content": REWRITE_PROMPT.format(text=r[f])}] for _, r in records for f in fields]
        rewrites = client.chat_many(asks, desc=f"rewrite {task}", **params)
        kept, judged, jobs = [], [], []
        for k, (n, r) in enumerate(records):
            got = rewrites[k * len(fields):(k + 1) * len(fields)]
            bad = next((g for g in got if not g.ok), None)
            if bad is not None:
                dropped.append({"file": path.name, "line": n, "reason": f"rewrite failed: {bad.error}", "example": r})
                continue
            why = next((w for f, g in zip(fields, got) if (w := not_content(clean_reply(g.text), r[f]))), None)
            if why is not None:
                dropped.append({"file": path.name, "line": n, "reason": f"rewrite not kept: {why}", "example": r})
                continue
            new = {f: clean_reply(g.text) for f, g in zip(fields, got)}
            jobs.append((n, r, new))
        verdicts = client.chat_many([judge_messages(task, new) for _, _, new in jobs], desc=f"judge {task}", **params)
        for (n, r, new), v in zip(jobs, verdicts):
            if not v.ok:
                dropped.append({"file": path.name, "line": n, "reason": f"judge failed: {v.error}", "example": r})
                continue
            label = parse_label(task, v.text)
            survived = label is not None and (abs(label - float(r["label"])) <= 1.0 if names is None
                                              else label == int(r["label"]))
            judged.append(survived)
            if survived:
                kept.append({**r, **new, "original": {f: r[f] for f in fields}})
            else:
                said = "no label" if label is None else (label if names is None else names[label])
                dropped.append({"file": path.name, "line": n, "reason": f"label changed: judge said {said}",
                                "rewritten": new, "example": r})
        _write_jsonl(out / path.name, kept)
        report["tasks"][path.stem] = {
            "task": task, "examples": len(records), "rewritten": len(jobs), "judged": len(judged), "kept": len(kept),
            "label_survival_rate": (sum(judged) / len(judged)) if judged else None,
            "drop_rate": 1 - len(kept) / len(records) if records else None,
            "failures": len(records) - len(judged)}
    _write_jsonl(out / "dropped.jsonl", dropped)
    report["llm"] = client.stats
    (out / "report.json").write_text(json.dumps(report, indent=2))
    return report


EVAL_PROMPT = ("Here are some questions for a young child:\n{examples}\n\nWrite one new question of the same kind, "
               "about something else, in simple words. Reply with the question only.")
BUCKETS = (("split-0-7", 0.0, 0.7), ("split-7-8", 0.7, 0.8), ("split-8-9", 0.8, 0.9), ("split-9-10", 0.9, 1.01))


def normalize_question(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def make_eval(seed_files: list[str], client, output_dir, n_questions: int, reference_files: list[str] = (),
              shots: int = 4, near_duplicate: float = 0.95, seed: int = 0, params: dict | None = None) -> dict:
    """Generate ``n_questions`` candidate questions from seed examples, de-duplicate, bucket by similarity
    to the reference questions (default: the seeds)."""
    from ..data.embeddings import embed

    params = {"temperature": 1.0, "max_tokens": 48, **(params or {})}
    seeds = [r["question"] for f in seed_files for _, r in iter_records(f) if isinstance(r, dict) and r.get("question")]
    if len(seeds) < shots:
        raise ValueError(f"{', '.join(seed_files)}: {len(seeds)} seed questions; need at least {shots}")
    reference = [r["question"] for f in reference_files for _, r in iter_records(f)
                 if isinstance(r, dict) and r.get("question")] or seeds
    rng = np.random.default_rng(seed)
    asks = []
    for i in range(n_questions):  # request i: its own seed examples and sampling seed, so the cache key is stable
        examples = "\n".join(f"- {seeds[j]}" for j in rng.choice(len(seeds), shots, replace=False))
        asks.append(([{"role": "user", "content": EVAL_PROMPT.format(examples=examples)}], i))
    replies = client.chat_many([m for m, _ in asks], desc="questions", **params)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    failed = [r.error for r in replies if not r.ok]
    questions = [clean_reply(r.text) for r in replies if r.ok]
    rejected = [why for q in questions if (why := not_content(q))]
    questions = [q for q in questions if not not_content(q)]
    seen, exact_unique = {normalize_question(s) for s in seeds}, []
    for q in questions:
        key = normalize_question(q)
        if key and key not in seen:
            seen.add(key)
            exact_unique.append(q)
    kept, near = [], 0
    if exact_unique:
        emb = embed(exact_unique)
        ref = embed(reference)
        seed_emb = embed(seeds)
        chosen = []
        for i in range(len(exact_unique)):
            sims = [float(emb[i] @ emb[j]) for j in chosen] + [float((seed_emb @ emb[i]).max())]
            if max(sims) >= near_duplicate:
                near += 1
                continue
            chosen.append(i)
        sim_ref = (emb @ ref.T).max(1)
        kept = [(exact_unique[i], float(sim_ref[i])) for i in chosen]
    counts = {}
    source = Path(client.model).name if Path(client.model).is_absolute() else client.model  # no local paths
    for name, lo, hi in BUCKETS:
        rows = [{"question": q, "source": source, "similarity": round(s, 4),
                 "hash": hashlib.sha256(q.encode()).hexdigest()} for q, s in kept if lo <= s < hi]
        _write_jsonl(out / f"{name}.jsonl", rows)
        counts[name] = len(rows)
    report = {"requested": n_questions, "failed": len(failed), "failure_reasons": sorted(set(failed)),
              "not_questions": len(rejected), "not_question_reasons": sorted(set(rejected))[:20], "exact_duplicates": len(questions) - len(exact_unique),
              "near_duplicates": near, "near_duplicate_cosine": near_duplicate, "kept": len(kept), "buckets": counts,
              "llm": client.stats}
    (out / "report.json").write_text(json.dumps(report, indent=2))
    return report
