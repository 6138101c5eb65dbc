"""LLM-as-judge over any OpenAI-compatible endpoint, following the paper's protocol for LEANER-Eval.

Per question, the answers of every model are shown *together*, in a shuffled order, and the judge rates
each on grammar, coherence and specificity (0-5 each, sum 0-15) in a strict JSON reply; the shuffle is
undone when parsing. Position bias is measured: each question is judged in two orders (a seeded shuffle
and its reverse). Rule for combining them: when both replies parse, a model's score is the mean of its
two ratings; when only one parses, that one is kept (and counted as "one order"); when neither parses the
question is a failure with both reasons, never a score. Order agreement is the share of (question, model)
pairs, among questions where both orders parsed, whose three ratings are identical in both orders.

Every request goes through :class:`hf_leaner.llm.LLMClient`: retries, bounded concurrency and a disk
cache under ``OUT/llm_cache`` (a rerun after a kill asks only what was not answered).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from hf_leaner.utils.errors import LeanerDataError
from hf_leaner.utils.io import write_atomic
from hf_leaner.data.release import iter_records

CRITERIA = ("grammar", "coherence", "specificity")
SYSTEM = ("You grade short answers written by very small language models for children's questions. "
          "You reply with JSON only.")
INSTRUCTIONS = """Rate every answer below on three scales from 0 (worst) to 5 (best):
- grammar: are the sentences well formed English?
- coherence: does the answer make sense and stay on the question?
- specificity: does it give concrete, relevant details rather than vague words?

Question: {question}

{answers}

Reply with one JSON object and nothing else, one entry per answer, in this shape:
{{"ratings": [{example}]}}"""


@dataclass
class Answers:
    """Every model's answer to one question."""

    id: str
    question: str
    subset: str
    by_model: dict[str, str] = field(default_factory=dict)


def read_answer_files(paths: list[str | Path]) -> tuple[list[str], list[Answers]]:
    """(models, questions answered by every model), from `hf-leaner generate` files (one model per file)."""
    models, per_model, where = [], [], {}
    for path in map(Path, paths):
        rows = {}
        for lineno, rec in iter_records(path):  # the project's one JSONL reader: file:line on bad JSON or UTF-8
            for key in ("id", "question", "answer"):
                if not isinstance(rec, dict) or not isinstance(rec.get(key), str):
                    raise LeanerDataError(f"{path}:{lineno}: field '{key}' is missing or not a string")
            if rec["id"] in rows:  # which of the two answers would be judged is not ours to guess
                raise LeanerDataError(f"{path}:{lineno}: id {rec['id']!r} again (first at line "
                                      f"{where[path, rec['id']]}); keep one answer per question")
            rows[rec["id"]], where[path, rec["id"]] = rec, lineno
            first = per_model[0].get(rec["id"]) if per_model else None
            if first is not None and first["question"] != rec["question"]:
                raise LeanerDataError(f"{path}:{lineno}: id {rec['id']!r} is the question {rec['question'][:60]!r}, "
                                      f"but {paths[0]}:{where[Path(paths[0]), rec['id']]} has "
                                      f"{first['question'][:60]!r} under that id; the files answer other questions")
        name = path.stem  # the file names the model (generate writes OUT/<model>.jsonl); rename it to relabel
        if not rows:
            raise LeanerDataError(f"{path}: no answers in it")
        if name in models:
            raise LeanerDataError(f"{path}: another answers file is also named {name!r}; rename one")
        models.append(name)
        per_model.append(rows)
    common = [i for i in per_model[0] if all(i in rows for rows in per_model[1:])]
    left_out = [(Path(p).name, len(rows) - len(common), len(rows)) for p, rows in zip(paths, per_model)
                if len(rows) > len(common)]
    if left_out:  # a question is judged only when every model answered it: say what that leaves out
        logging.getLogger(__name__).warning(
            "questions answered in only some files are left out (%s); judged: the %d every file answers",
            ", ".join(f"{name}: {k} of its {n}" for name, k, n in left_out), len(common))
    questions = [Answers(i, per_model[0][i]["question"], per_model[0][i].get("subset", "all"),
                         {m: rows[i]["answer"] for m, rows in zip(models, per_model)}) for i in common]
    return models, questions


def orders_for(item: Answers, seed: int) -> tuple[list[str], list[str]]:
    """A shuffle seeded by (seed, question id) and its reverse."""
    models = sorted(item.by_model)
    rng = random.Random(int(hashlib.sha256(f"{seed}:{item.id}".encode()).hexdigest()[:16], 16))
    rng.shuffle(models)
    return models, models[::-1]


# One worked example turn before the real question: small judges copy a shown format far more reliably.
EXAMPLE_QUESTION = "What do cows eat?"
EXAMPLE_ANSWERS = ["Cows eat grass and hay. They chew for a long time.", "cow the eat is green green green"]
EXAMPLE_REPLY = ('{"ratings": [{"answer": 1, "grammar": 5, "coherence": 5, "specificity": 4}, '
                 '{"answer": 2, "grammar": 0, "coherence": 1, "specificity": 0}]}')


def _user_turn(question: str, answers: list[str]) -> str:
    body = "\n\n".join(f"Answer {k}: {a.strip() or '(empty)'}" for k, a in enumerate(answers, 1))
    example = ", ".join(f'{{"answer": {k}, "grammar": G, "coherence": C, "specificity": S}}'
                        for k in range(1, len(answers) + 1))
    return INSTRUCTIONS.format(question=question, answers=body, example=example)


def judge_messages(item: Answers, order: list[str]) -> list[dict]:
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": _user_turn(EXAMPLE_QUESTION, EXAMPLE_ANSWERS)},
            {"role": "assistant", "content": EXAMPLE_REPLY},
            {"role": "user", "content": _user_turn(item.question, [item.by_model[m] for m in order])}]


def parse_reply(text: str, order: list[str]) -> dict[str, dict]:
    """``{model: {grammar, coherence, specificity}}`` from a judge reply, or ValueError saying what is wrong."""
    body = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip())
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON object in the reply")
    try:
        data = json.loads(body[start:end + 1])
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply's JSON does not parse ({exc.msg})") from None
    if data == json.loads(EXAMPLE_REPLY):  # small judges echo the worked example whatever the answers say
        raise ValueError("the reply is a copy of the prompt's worked example, not a judgement")
    ratings = data.get("ratings") if isinstance(data, dict) else None
    if not isinstance(ratings, list):
        raise ValueError("no 'ratings' list in the reply")
    scores = {}
    for entry in ratings:
        k = entry.get("answer") if isinstance(entry, dict) else None
        if not isinstance(k, int) or not 1 <= k <= len(order):
            raise ValueError(f"a rating names answer {k!r}; there are answers 1-{len(order)}")
        if order[k - 1] in scores:
            raise ValueError(f"answer {k} is rated twice")
        row = {}
        for c in CRITERIA:
            v = entry.get(c)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 5:
                raise ValueError(f"{c} of answer {k} is {v!r}, not a number from 0 to 5")
            row[c] = float(v)
        scores[order[k - 1]] = row
    missing = [str(k) for k, m in enumerate(order, 1) if m not in scores]
    if missing:
        raise ValueError(f"answer(s) {', '.join(missing)} not rated")
    return scores


def combine(item: Answers, orders, results) -> dict:
    """One judgement line: the two orders parsed, combined by the stated rule, or the failure and why."""
    parsed, reasons = [], []
    for name, order, result in zip(("a", "b"), orders, results):
        if not result.ok:
            reasons.append(f"order {name}: request failed: {result.error}")
            parsed.append(None)
            continue
        try:
            parsed.append(parse_reply(result.text, order))
        except ValueError as exc:
            reasons.append(f"order {name}: unparseable reply: {exc}")
            parsed.append(None)
    line = {"id": item.id, "question": item.question, "subset": item.subset, "order_a": orders[0],
            "order_b": orders[1] if len(orders) > 1 else None, "replies": [r.text for r in results]}
    good = [p for p in parsed if p is not None]
    if not good:
        return {**line, "status": "failed", "failure": "; ".join(reasons)}
    scores = {m: {c: sum(p[m][c] for p in good) / len(good) for c in CRITERIA} for m in item.by_model}
    for s in scores.values():
        s["sum"] = sum(s[c] for c in CRITERIA)
    line.update(status="scored" if len(good) == 2 else "scored (one order)", scores=scores)
    if len(good) == 2:
        line["orders_agree"] = {m: parsed[0][m] == parsed[1][m] for m in item.by_model}
        line["sum_difference"] = {m: abs(sum(parsed[0][m].values()) - sum(parsed[1][m].values()))
                                  for m in item.by_model}
    else:
        line["failure"] = "; ".join(reasons)
    return line


def summarize(models: list[str], lines: list[dict], subset: str | None = None) -> dict:
    """Per model: mean grammar/coherence/specificity/sum over scored questions, failure rate, order agreement."""
    rows = [x for x in lines if subset is None or x["subset"] == subset]
    out = {}
    for m in models:
        scored = [x["scores"][m] for x in rows if x["status"] != "failed"]
        both = [x for x in rows if "orders_agree" in x]
        out[m] = {**{c: (sum(s[c] for s in scored) / len(scored) if scored else None) for c in (*CRITERIA, "sum")},
                  "questions": len(rows), "scored": len(scored),
                  "failure_rate": (len(rows) - len(scored)) / len(rows) if rows else None,
                  "one_order_only": sum(x["status"] == "scored (one order)" for x in rows),
                  "order_agreement": (sum(x["orders_agree"][m] for x in both) / len(both)) if both else None,
                  "order_mean_sum_difference": (sum(x["sum_difference"][m] for x in both) / len(both)) if both else None}
    return out


def _parses(text: str, order: list[str]) -> bool:
    try:
        parse_reply(text, order)
        return True
    except ValueError:
        return False


def _model_name(model: str) -> str:
    """The judge's name as results and pushed notes show it: a local folder by its name, never its absolute path."""
    return Path(model).name if Path(model).is_absolute() else model


def run_judge(client, answer_files: list[str | Path], output_dir: str | Path, *, seed: int = 0,
              max_tokens: int | None = None, chunk: int = 8, log=print, progress: bool = False,
              orders: int = 2) -> dict:
    """Judge every question answered by all models; writes judgements.jsonl and results.json into ``output_dir``.
    ``orders=1`` asks in the first order only (a plumbing check: half the requests, no position-bias control)."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    models, questions = read_answer_files(answer_files)
    if not questions:
        raise LeanerDataError("no question is answered in every answers file; nothing to judge")
    max_tokens = max_tokens or 32 + 36 * len(models)  # the JSON reply is ~30 tokens per rated answer
    lines = []
    for start in range(0, len(questions), chunk):
        batch = questions[start:start + chunk]
        pairs = [orders_for(q, seed)[:orders] for q in batch]
        messages = [judge_messages(q, o) for q, pair in zip(batch, pairs) for o in pair]
        # only a reply that parses is cached: an error text or a copy sent with status 200 is asked again next run
        per_request = [{"accept": functools.partial(_parses, order=o)} for pair in pairs for o in pair]
        results = client.chat_many(messages, temperature=0, max_tokens=max_tokens, desc="judge",
                                   per_request=per_request)
        for k, (q, pair) in enumerate(zip(batch, pairs)):
            lines.append(combine(q, pair, results[orders * k: orders * k + orders]))
        log(f"judge: {len(lines)}/{len(questions)} questions ({client.stats['requests']} requests, "
            f"{client.stats['cache_hits']} from the cache)")
    write_atomic(out / "judgements.jsonl", [json.dumps(x, ensure_ascii=False) for x in lines])
    subsets = sorted({x["subset"] for x in lines})
    results = {"models": models, "judge": {"model": _model_name(client.model), "endpoint": client.endpoint_id,
                                           "seed": seed, "max_tokens": max_tokens},
               "rule": ("both orders parse: mean of the two; one parses: that one; none: failure (no score)"
                        if orders == 2 else "one order only (a plumbing check): its reply parses or is a failure"),
               "all": summarize(models, lines), "subsets": {s: summarize(models, lines, s) for s in subsets},
               "failures": [{"id": x["id"], "subset": x["subset"], "reason": x["failure"]}
                            for x in lines if x["status"] == "failed"],
               "usage": client.stats}
    results["per_model"] = results["all"]
    (out / "results.json").write_text(json.dumps(results, indent=1))
    return results


def format_results(results: dict) -> str:
    """The paper-style table (all questions, then each similarity subset) and the failure table."""
    from hf_leaner.utils.tables import text_table

    def fmt(v, digits=2):
        return "-" if v is None else f"{v:.{digits}f}"

    rows = []
    for name, block in [("all", results["all"]), *results["subsets"].items()]:
        for m, r in block.items():
            rows.append((name, m, fmt(r["grammar"]), fmt(r["coherence"]), fmt(r["specificity"]), fmt(r["sum"]),
                         f"{r['scored']}/{r['questions']}", fmt(r["failure_rate"], 3), fmt(r["order_agreement"], 3)))
    table = text_table(("questions", "model", "grammar", "coherence", "specificity", "sum", "scored",
                        "failure rate", "order agreement"), rows)
    fails = results["failures"]
    if fails:
        table += "\n\nfailed (no score):\n" + text_table(("id", "subset", "reason"),
                                                          [(f["id"], f["subset"], f["reason"][:150]) for f in fails])
    u = results["usage"]
    table += (f"\n\nrequests {u.get('requests', 0)}, from cache {u.get('cache_hits', 0)}, retries {u.get('retries', 0)}, "
              f"failed requests {u.get('failures', 0)}, tokens {u.get('prompt_tokens', 0)} in / "
              f"{u.get('completion_tokens', 0)} out, cost {fmt(u.get('cost'), 4)}")
    return table
