"""Answers to LEANER-Eval questions (or any JSONL of ``question`` records) from one or more models.

Batched, left-padded, greedy by default, stopping at EOS; the answer is what follows the template's
``### RESPONSE:`` mark. Each model's answers go to ``OUT/<model name>.jsonl`` as they are made (one flushed
write per batch: lines ``id, question, answer, model, subset``), and a rerun skips the ids already written,
so a killed run resumes where it stopped (a cut last line is dropped and redone).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from hf_leaner.utils.errors import LeanerDataError
from hf_leaner.utils.io import model_digest, write_atomic
from hf_leaner.data.instructions import answer_after_prompt, render_prompt
from hf_leaner.data.release import iter_records
from hf_leaner.models import position_limit


@dataclass
class Question:
    id: str
    question: str
    subset: str


def eval_folder(data: str) -> Path | None:
    from hf_leaner.sample_data import SAMPLE_DIR

    root = SAMPLE_DIR if data == "sample" else Path(data)
    folder = root / "data" / "leaner" / "eval"
    return folder if folder.is_dir() else None


def load_questions(data: str = "sample", subsets: list[str] | None = None, limit: int | None = None) -> list[Question]:
    """LEANER-Eval questions: ``data`` is 'sample', a release folder or a ``.jsonl`` of ``question`` records.

    From a release folder the default subsets are every ``eval/*.jsonl`` but ``all`` when the similarity splits
    are there (``all`` is their union, which the table rebuilds); ``limit`` keeps the first N of each subset.
    """
    folder = eval_folder(data)
    if folder is not None:
        files = {p.stem: p for p in sorted(folder.glob("*.jsonl"))}
        if subsets:
            missing = [s for s in subsets if s not in files]
            if missing:
                raise LeanerDataError(f"{folder}: no subset {', '.join(missing)}; subsets: {', '.join(files)}")
            files = {s: files[s] for s in subsets}
        elif any(s.startswith("split-") for s in files):
            files.pop("all", None)
    elif Path(data).is_file():
        files = {Path(data).stem: Path(data)}
    else:
        raise LeanerDataError(f"{data}: neither a release folder with data/leaner/eval/ nor a .jsonl file of questions")
    questions = []
    for subset, path in files.items():
        kept = 0
        for lineno, rec in iter_records(path):
            if not isinstance(rec, dict) or not isinstance(rec.get("question"), str) or not rec["question"].strip():
                raise LeanerDataError(f"{path}:{lineno}: field 'question' is missing or not a non-empty string")
            qid = rec.get("id")
            questions.append(Question(str(qid) if qid is not None else f"{subset}:{lineno}", rec["question"].strip(),
                                      str(rec.get("subset", subset))))
            kept += 1
            if limit and kept >= limit:
                break
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise LeanerDataError(f"{data}: question id {dup!r} appears more than once")
    return questions


def model_label(name: str) -> str:
    """A file-safe name for a model: its folder's name or its Hub id with '/' as '--'."""
    path = Path(name)
    label = path.name if path.exists() else name.replace("/", "--")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label) or "model"


def read_answers(path: Path) -> list[dict]:
    """The answer lines already in ``path``; a last line cut by a kill is removed (its question is redone)."""
    if not path.is_file():
        return []
    data = path.read_bytes()
    keep = data if data.endswith(b"\n") or not data else data[: data.rfind(b"\n") + 1]
    rows = []
    for lineno, line in enumerate(keep.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row.get("id"), str) or not isinstance(row.get("question"), str):
                raise TypeError
        except (json.JSONDecodeError, TypeError, AttributeError):
            raise LeanerDataError(f"{path}:{lineno}: not an answer line (JSON with 'id' and 'question'); move the "
                                  "file away to start over") from None
        rows.append(row)
    if len(keep) != len(data):
        with open(path, "r+b") as f:
            f.truncate(len(keep))
    return rows


def reconcile(path: Path, questions: list[Question], made_by: dict | None = None, log=print) -> set[str]:
    """Match the answers in ``path`` to today's questions by their text, not by line: a question inserted or
    removed above others shifts line-number ids, and an answer must stay with its own question. Answers whose
    question is gone or changed, or that another model (other weights) or other generation settings made
    (``made_by``), move to ``<file>.stale.jsonl`` (nothing is deleted); returns the ids answered."""
    rows = read_answers(path)
    by_text: dict[tuple[str, str], list[Question]] = {}
    for q in questions:
        by_text.setdefault((q.subset, q.question), []).append(q)
    kept, stale, taken = [], [], set()
    for row in rows:
        if made_by is not None and any(row.get(k) != v for k, v in made_by.items()):
            stale.append(row)
            continue
        same = [q for q in by_text.get((row.get("subset"), row["question"]), []) if q.id not in taken]
        match = next((q for q in same if q.id == row["id"]), same[0] if same else None)
        if match is None:
            stale.append(row)
            continue
        taken.add(match.id)
        kept.append({**row, "id": match.id})
    if stale or any(k["id"] != r["id"] for k, r in zip(kept, rows)) or len(kept) != len(rows):
        if stale:
            with open(path.with_suffix(".stale.jsonl"), "a", encoding="utf-8") as f:
                f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in stale)
            log(f"{path}: {len(stale)} answer(s) to questions no longer asked, or made by other weights or settings, "
                f"moved to {path.with_suffix('.stale.jsonl').name}")
        write_atomic(path, [json.dumps(r, ensure_ascii=False) for r in kept])
    return taken


def fit_to_positions(model, tokenizer, questions: list[Question], max_new_tokens: int, log=print) -> int:
    """``max_new_tokens`` cut to what the model can read after the longest prompt (a 128-position model asked for a
    million tokens would fail deep in generation); said when cut."""
    positions = position_limit(model.config)
    if positions is None:  # Mamba2 and XLNet read any length
        return max_new_tokens
    lengths = {q.id: len(tokenizer(render_prompt(q.question), add_special_tokens=False).input_ids) for q in questions}
    longest = max(lengths, key=lengths.get)
    room = positions - lengths[longest]
    if room < 1:
        raise LeanerDataError(f"question {longest!r}: its prompt takes {lengths[longest]} tokens and the model reads "
                              f"at most {positions}; shorten it or leave it out")
    if max_new_tokens > room:
        log(f"generate: answers capped at {room} new tokens (the model reads {positions} positions and the longest "
            f"prompt takes {lengths[longest]}; --max_new_tokens asked for {max_new_tokens:,})")
        return room
    return max_new_tokens


def generate_answers(model_name: str, questions: list[Question], out_file: Path, batch_size: int = 16,
                     max_new_tokens: int = 128, do_sample: bool = False, temperature: float = 1.0,
                     progress: bool = False) -> dict:
    """Answer the questions not yet in ``out_file``; returns counts and tokens/s."""
    import torch
    from tqdm.auto import tqdm

    from hf_leaner.models.loading import load_model_and_tokenizer

    made_by = {"weights": model_digest(model_name),  # a retrained model or other settings answer anew
               "generation": {"max_new_tokens": max_new_tokens, "do_sample": do_sample,
                              "temperature": temperature if do_sample else None}}
    done = reconcile(out_file, questions, made_by)
    todo = [q for q in questions if q.id not in done]
    stats = {"model": model_name, "file": str(out_file), "questions": len(questions), "already_done": len(done),
             "answered": 0, "new_tokens": 0, "seconds": 0.0}
    if not todo:
        stats["tokens_per_s"] = 0.0
        return stats
    model, tokenizer = load_model_and_tokenizer(model_name)
    max_new_tokens = fit_to_positions(model, tokenizer, todo, max_new_tokens)
    model.eval()
    tokenizer.padding_side = "left"  # generation continues every row from its last real token
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    label = model_label(model_name)
    t0 = time.time()
    with open(out_file, "a", encoding="utf-8") as f, tqdm(total=len(todo), disable=not progress, desc=label) as bar:
        for start in range(0, len(todo), batch_size):
            batch = todo[start:start + batch_size]
            enc = tokenizer([render_prompt(q.question) for q in batch], return_tensors="pt", padding=True,
                            add_special_tokens=False).to(device)
            with torch.no_grad():
                out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=do_sample,
                                     temperature=temperature if do_sample else None, top_p=None, top_k=None,
                                     eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
            new = out[:, enc["input_ids"].shape[1]:]
            for q, ids in zip(batch, new):
                ids = ids.tolist()
                n = ids.index(tokenizer.eos_token_id) if tokenizer.eos_token_id in ids else len(ids)
                stats["new_tokens"] += n
                answer = answer_after_prompt(tokenizer.decode(ids[:n], skip_special_tokens=True))
                f.write(json.dumps({"id": q.id, "question": q.question, "answer": answer, "model": label,
                                    "subset": q.subset, **made_by}, ensure_ascii=False) + "\n")
            f.flush()  # a kill loses at most the batch in flight
            stats["answered"] += len(batch)
            bar.update(len(batch))
    stats["seconds"] = time.time() - t0
    stats["tokens_per_s"] = stats["new_tokens"] / max(stats["seconds"], 1e-9)
    return stats
