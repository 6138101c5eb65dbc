"""Zero-shot grammar evaluation: does a model give the grammatical sentence of each minimal pair the higher
probability? BLiMP, Zorro, or a user's own pairs, for every family, several models in one table.

    >>> results = run_zero_shot(ZeroShotArguments(models=["outputs/pretrain"], data=["../shared"],
    ...                                           output_dir="outputs/zero-shot"))
    >>> results["models"]["pretrain"]["suites"]["blimp"]["accuracy"]

How a pair is counted: a win when log P(good) > log P(bad); a **tie** (a difference under ``TIE_NATS``) counts half
and is reported, so a model that gives both sentences one score sits at 50%, not 100% (BabyLM's scorer and
lm-evaluation-harness count a tie as correct); a pair whose two sentences are identical is reported as
``identical`` and left out, since it measures nothing. Accuracy per paradigm, per phenomenon (the mean over its
paradigms) and for the suite (the mean over paradigms, as BLiMP reports it), each also in the **LEANER view**: the
pairs whose every word is in the 2,000-word list (:func:`hf_leaner.evaluation.minimal_pairs.in_leaner_vocabulary`).

Each (model, suite, paradigm) is one cell, written atomically under ``OUT/cells/`` once scored and keyed by the
model's weights, the scoring options and the pairs: kill the run, rerun it, and no finished cell is scored again.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from hf_leaner.utils.io import model_digest, write_atomic

from .minimal_pairs import MinimalPair, by_paradigm, in_leaner_vocabulary, load_suite, subset
from .zero_shot_config import ZeroShotArguments, resolve_sources

TIE_NATS = 1e-6        # below the resolution of a float32 sum of a sentence's token log-probabilities
MIN_LEANER_PAIRS = 10  # a paradigm enters the LEANER view's mean only with this many pairs left
REFERENCES = {"blimp": {"chance": 0.5, "5-gram": 0.612, "LSTM": 0.698, "GPT-2": 0.830}, "zorro": {"chance": 0.5}}
SCORING_VERSION = 1    # bump when a change to the scorer changes its numbers: old cells are then rescored


def model_keys(models: list[str]) -> dict[str, str]:
    """A short, unique, file-safe name per model: the folder name, with as many parent folders as it takes to
    tell models apart (``baseline-lr0.004_seed1``), or the Hub id with ``/`` -> ``__``."""
    def parts(name: str) -> list[str]:
        return list(Path(name).expanduser().resolve().parts[1:]) if Path(name).expanduser().is_dir() else \
            [name.replace("/", "__")]

    split = {name: parts(name) for name in dict.fromkeys(models)}
    for depth in range(1, max(len(p) for p in split.values()) + 1):
        keys = {name: "-".join(p[-depth:]) for name, p in split.items()}
        if len(set(keys.values())) == len(keys):
            return keys
    raise ValueError("two models share one path; give each model once")


def _config_hash(name: str) -> str:
    from transformers import AutoConfig

    return hashlib.sha256(AutoConfig.from_pretrained(name).to_json_string().encode()).hexdigest()


def _pairs_hash(pairs: list[MinimalPair]) -> str:
    return hashlib.sha256("\n".join(f"{p.pair_id}\t{p.good}\t{p.bad}" for p in pairs).encode()).hexdigest()


def score_pairs(scorer, pairs: list[MinimalPair]) -> list[dict]:
    """One row per pair: both log-probabilities and what the pair is (LEANER view, identical)."""
    good = scorer.log_probs([p.good for p in pairs])
    bad = scorer.log_probs([p.bad for p in pairs])
    return [{"pair_id": p.pair_id, "logprob_good": float(g), "logprob_bad": float(b),
             "leaner": in_leaner_vocabulary(p), "identical": p.identical}
            for p, g, b in zip(pairs, good, bad)]


def tally(rows: list[dict]) -> dict:
    """Accuracy with ties counted half; identical pairs reported, not counted."""
    counted = [r for r in rows if not r["identical"]]
    diff = np.array([r["logprob_good"] - r["logprob_bad"] for r in counted], dtype=np.float64)
    ties = int((np.abs(diff) < TIE_NATS).sum())
    wins = int((diff >= TIE_NATS).sum())
    pairs = len(counted)
    return {"accuracy": (wins + 0.5 * ties) / pairs if pairs else None, "pairs": pairs, "wins": wins, "ties": ties,
            "identical": len(rows) - pairs}


def summarize_suite(cells: dict[str, dict], phenomena: dict[str, str]) -> dict:
    """Per paradigm, per phenomenon, the suite's macro mean, all also in the LEANER view."""
    paradigms = {}
    for paradigm, cell in cells.items():
        entry = tally(cell["rows"])
        entry["phenomenon"] = phenomena[paradigm]
        entry["seconds"] = cell["seconds"]
        entry["leaner"] = tally([r for r in cell["rows"] if r["leaner"]])
        paradigms[paradigm] = entry

    def mean(values):
        values = [v for v in values if v is not None]
        return float(np.mean(values)) if values else None

    by_phen: dict[str, list[str]] = {}
    for paradigm, entry in paradigms.items():
        by_phen.setdefault(entry["phenomenon"], []).append(paradigm)
    leaner_ok = [p for p, e in paradigms.items() if e["leaner"]["pairs"] >= MIN_LEANER_PAIRS]
    return {
        "accuracy": mean(e["accuracy"] for e in paradigms.values()),
        "pairs": sum(e["pairs"] for e in paradigms.values()),
        "ties": sum(e["ties"] for e in paradigms.values()),
        "identical": sum(e["identical"] for e in paradigms.values()),
        "seconds": round(sum(e["seconds"] for e in paradigms.values()), 2),
        "phenomena": {ph: {"accuracy": mean(paradigms[p]["accuracy"] for p in ps), "paradigms": len(ps),
                           "leaner_accuracy": mean(paradigms[p]["leaner"]["accuracy"] for p in ps if p in leaner_ok)}
                      for ph, ps in sorted(by_phen.items())},
        "leaner_view": {"accuracy": mean(paradigms[p]["leaner"]["accuracy"] for p in leaner_ok),
                        "paradigms": len(leaner_ok), "pairs": sum(paradigms[p]["leaner"]["pairs"] for p in leaner_ok),
                        "pooled_accuracy": _pooled(paradigms)},
        "paradigms": paradigms,
    }


def _pooled(paradigms: dict) -> float | None:
    pairs = sum(e["leaner"]["pairs"] for e in paradigms.values())
    won = sum(e["leaner"]["wins"] + 0.5 * e["leaner"]["ties"] for e in paradigms.values())
    return won / pairs if pairs else None


def _load_cell(path: Path, key: str) -> dict | None:
    try:
        cell = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # absent, or cut short by a kill before the atomic rename (cannot happen) or edited by hand
    return cell if cell.get("key") == key else None


def run_zero_shot(args: ZeroShotArguments, progress: bool | None = None) -> dict:
    """Score every model on every suite (resuming finished cells; with ``args.workers`` > 1, several models at once,
    one process each); write results.json, results.md, the PNG and predictions/<suite>.jsonl; return the results."""
    from .zero_shot_report import write_report

    progress = sys.stderr.isatty() if progress is None else progress
    if args.device and args.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available() or (":" in args.device and int(args.device.split(":")[1] or 0)
                                             >= torch.cuda.device_count()):
            from hf_leaner.utils.errors import UsageError

            raise UsageError(f"--device {args.device}: torch sees {torch.cuda.device_count()} CUDA device(s) here; "
                             "give cpu or an existing cuda:N")
    out = Path(args.output_dir)
    suites = {}
    for suite, source in resolve_sources(args.suites, args.data).items():
        pairs = subset(load_suite(suite, source), args.max_pairs_per_paradigm, args.seed)
        suites[suite] = {"source": source, "pairs": by_paradigm(pairs)}
    keys = model_keys(args.models)
    # (model, its key, the seed of random weights or None): with --untrained each model is followed by its floor
    runs = [(name, key, None) for name, key in keys.items()]
    if args.untrained:
        runs = [r for name, key, _ in runs for r in ((name, key, None), (name, f"{key}-untrained", args.seed))]
    tasks = [(args, suites, run, progress and args.workers <= 1) for run in runs]
    scored = dict(_in_workers(tasks, args.workers))
    results = {"protocol": _protocol(args, suites), "models": {}}
    for name, model_key, untrained_seed in runs:  # in the order given, whichever worker finished first
        cells_by_suite, objective, n_scored = scored[model_key]
        entry = {"model": name, "untrained": untrained_seed is not None, "suites": {}}
        for suite, cells in cells_by_suite.items():
            phenomena = {p: ps[0].phenomenon for p, ps in suites[suite]["pairs"].items()}
            entry["suites"][suite] = s = summarize_suite(cells, phenomena)
            _write_predictions(out, suite, model_key, cells, append=model_key != runs[0][1])
            if not progress:
                print(f"eval-zero-shot: {model_key} {suite}: accuracy {_fmt(s['accuracy'])} over {s['pairs']:,} pairs "
                      f"({s['ties']} ties), LEANER view {_fmt(s['leaner_view']['accuracy'])}", flush=True)
        entry["objective"], entry["pairs_scored_this_run"] = objective, n_scored
        results["models"][model_key] = entry
    write_atomic(out / "results.json", json.dumps(results, indent=2))
    write_report(results, out)
    return results


def _in_workers(tasks: list, workers: int):
    """``(model key, score_model(task))`` per task, in this process or spread over worker processes."""
    from hf_leaner.utils.parallel import run_parallel

    return [(task[2][1], result) for task, result in run_parallel(tasks, score_model, workers)]


def score_model(task: tuple) -> tuple[dict, str, int]:
    """One model on every suite: ``({suite: {paradigm: cell}}, objective, pairs scored now)``. Each cell is read
    back when its key matches, else scored and written atomically (the unit of resume)."""
    from tqdm.auto import tqdm

    from .readings import reading_of
    from .sentence_scores import SentenceScorer

    args, suites, (name, model_key, untrained_seed), progress = task
    out = Path(args.output_dir)
    scorer, scored = None, 0
    # what the scores were computed from: weights, config, tokenizer (not the results kept beside them); an
    # untrained model is its config and seed: its weights are not read, let alone hashed
    fingerprint = (model_digest(name) if untrained_seed is None
                   else f"untrained:{untrained_seed}:{_config_hash(name)}")
    objective = _objective(name)
    reading = reading_of(objective, args.pll, args.permutation_reading)  # a causal model ignores --pll
    cells_by_suite = {}
    for suite, info in suites.items():
        cells = cells_by_suite[suite] = {}
        bar = tqdm(info["pairs"].items(), desc=f"{model_key} {suite}", unit="paradigm", disable=not progress)
        for paradigm, pairs in bar:
            key = hashlib.sha256(json.dumps([SCORING_VERSION, fingerprint, reading, suite, paradigm,
                                             _pairs_hash(pairs)]).encode()).hexdigest()
            path = out / "cells" / model_key / suite / f"{paradigm}.json"
            cell = _load_cell(path, key)
            if cell is None:
                if scorer is None:
                    scorer = SentenceScorer.from_pretrained(name, untrained_seed, batch_tokens=args.batch_tokens,
                                                            pll=args.pll, device=args.device,
                                                            permutation_reading=args.permutation_reading)
                start = time.perf_counter()
                rows = score_pairs(scorer, pairs)
                cell = {"key": key, "seconds": round(time.perf_counter() - start, 3), "rows": rows}
                write_atomic(path, json.dumps(cell))
                scored += len(pairs)
            cells[paradigm] = cell
    return cells_by_suite, objective, scored


def _write_predictions(out: Path, suite: str, model_key: str, cells: dict, append: bool) -> None:
    path = out / "predictions" / f"{suite}.jsonl"
    lines = [json.dumps({"model": model_key, "paradigm": paradigm, **row}) for paradigm, cell in cells.items()
             for row in cell["rows"]]
    before = path.read_text() if append and path.exists() else ""
    write_atomic(path, before + "\n".join(lines) + "\n")


def _objective(name: str) -> str:
    from transformers import AutoConfig

    from .readings import objective_of

    return objective_of(AutoConfig.from_pretrained(name))


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _protocol(args: ZeroShotArguments, suites: dict) -> dict:
    return {
        "scoring": "sum of token log-probabilities under the family's objective: causal with the start token "
                   "prepended; masked: pseudo-log-likelihood (" + args.pll + "); XLNet: permutation LM, "
                   + {"left_to_right": "read left to right",
                      "pseudo": "pseudo-log-likelihood (" + args.pll + ")"}[args.permutation_reading]
                   + "; fp32 log-softmax, float64 sums",
        "ties": f"|log P(good) - log P(bad)| < {TIE_NATS} nats counts half; identical pairs are left out",
        "leaner_view": "pairs whose every word (or its lemma) is among the 2,000 most frequent English words "
                       "(wordfreq; the list of `stats`' >2K); proper names count as in; paradigms with at least "
                       f"{MIN_LEANER_PAIRS} such pairs enter its mean",
        "max_pairs_per_paradigm": args.max_pairs_per_paradigm, "seed": args.seed,
        "suites": {s: {"source": str(i["source"]), "paradigms": len(i["pairs"]),
                       "pairs": sum(len(p) for p in i["pairs"].values())} for s, i in suites.items()},
        "references": {s: REFERENCES[s] for s in suites if s in REFERENCES},
    }
