"""The GLUE grid's report: ``results.json``, ``results.md`` and ``predictions/<task>_<split>.jsonl``.

Model selection is on the validation split (MNLI: matched): per task, the learning rate with the best
mean validation score over seeds wins; the *best* cell is that learning rate's best seed, and its
per-example predictions are the ones written out. Every labelled split is reported twice: the best
cell's metrics, and mean ± std (sample std) over the seeds at the chosen learning rate. The average
(its definition is in the output) is given for the best cells and per seed, so the seed spread of the
average is visible. Tasks whose train split is missing are listed under ``missing_train``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hf_leaner.evaluation.glue_config import cell_path
from hf_leaner.evaluation.glue_metrics import AVERAGES, METRICS, average, task_score
from hf_leaner.utils.tables import text_table

SELECTION_SPLIT = "validation"


def _mean_std(values: list[float]) -> dict:
    return {"mean": float(np.mean(values)), "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
            "n": len(values)}


def _load_cells(args, task: str) -> dict:
    cells = {}
    for lr in args.learning_rates:
        for seed in args.seeds:
            path = cell_path(Path(args.output_dir), task, lr, seed)
            if path.is_file():
                rec = json.loads(path.read_text())
                if rec["settings"] == args.cell_settings(task, lr, seed):
                    cells[(lr, seed)] = rec
    return cells


def _score(task: str, rec: dict, kind: str) -> float:
    s = task_score(task, rec["metrics"], SELECTION_SPLIT, kind)
    return s if s is not None else float("-inf")


def summarize_task(args, task: str, cells: dict) -> dict:
    by_lr = {}
    for (lr, seed), rec in cells.items():
        by_lr.setdefault(lr, []).append(_score(task, rec, args.average))
    best_lr = max(by_lr, key=lambda lr: np.mean(by_lr[lr]))
    seeds = {seed: rec for (lr, seed), rec in cells.items() if lr == best_lr}
    best_seed = max(seeds, key=lambda s: _score(task, seeds[s], args.average))
    best = seeds[best_seed]
    out = {"status": "ok", "selected": {"learning_rate": best_lr, "seed": best_seed, "by": f"{SELECTION_SPLIT} score"},
           "epochs": args.epochs(task), "train_examples": best["train_examples"]}
    for split, metrics in best["metrics"].items():
        out[split] = metrics
    out["examples"] = {split: len(p["label"]) for split, p in best["predictions"].items()}
    out["over_seeds"] = {split: {m: _mean_std([r["metrics"][split][m] for r in seeds.values()]) for m in metrics}
                         for split, metrics in best["metrics"].items()}
    out["grid"] = [{"learning_rate": lr, "seed": seed, "metrics": rec["metrics"], "seconds": rec["seconds"]}
                   for (lr, seed), rec in sorted(cells.items())]
    if "model_dir" in best:
        out["model_dir"] = best["model_dir"]
    return out


def _write_predictions(out: Path, task: str, rec: dict) -> None:
    folder = out / "predictions"
    folder.mkdir(exist_ok=True)
    for split, p in rec["predictions"].items():
        lines = [json.dumps({"idx": i, "label": y, "prediction": q}) for i, y, q in zip(p["idx"], p["label"], p["prediction"])]
        (folder / f"{task}_{split}.jsonl").write_text("\n".join(lines) + "\n")


def _averages(args, tasks: dict, cells_by_task: dict) -> dict:
    ok = {t: r for t, r in tasks.items() if r["status"] == "ok"}
    splits = sorted({s.replace("_matched", "").replace("_mismatched", "") for r in ok.values() for s in r["over_seeds"]})
    result = {"definition": AVERAGES[args.average], "kind": args.average}
    for split in splits:
        best = average({t: {s: r[s] for s in r["over_seeds"]} for t, r in ok.items()}, split, args.average)
        per_seed = []
        for seed in args.seeds:
            metrics = {t: cells_by_task[t][(r["selected"]["learning_rate"], seed)]["metrics"] for t, r in ok.items()
                       if (r["selected"]["learning_rate"], seed) in cells_by_task[t]}
            if len(metrics) == len(ok):
                per_seed.append(average(metrics, split, args.average)["value"])
        result[split] = {"best": best["value"], "tasks": best["tasks"],
                         "over_seeds": _mean_std(per_seed) if per_seed else None, "per_seed": per_seed}
    result["value"] = result.get(SELECTION_SPLIT, {}).get("best")  # the headline: best cells, validation
    return result


def write_report(args, data: dict) -> dict:
    out = Path(args.output_dir)
    tasks, missing, cells_by_task = {}, {}, {}
    for task in args.tasks:
        dsd = data[task]
        if dsd is None:
            tasks[task] = {"status": "no files for this task in the data"}
            missing[task] = tasks[task]["status"]
            continue
        if "train" not in dsd:
            tasks[task] = {"status": "no train split", "splits_present": list(dsd)}
            missing[task] = f"no train split (present: {', '.join(dsd)})"
            continue
        cells_by_task[task] = _load_cells(args, task)
        if not cells_by_task[task]:
            tasks[task] = {"status": "not run yet"}
            continue
        tasks[task] = summarize_task(args, task, cells_by_task[task])
        sel = tasks[task]["selected"]
        _write_predictions(out, task, cells_by_task[task][(sel["learning_rate"], sel["seed"])])
    results = {"model": args.model, "from_scratch": args.from_scratch, "data": str(args.data), "preset": args.preset,
               "learning_rates": args.learning_rates, "seeds": args.seeds, "metric_scale": "fractions (x100 in tables)",
               "tasks": tasks, "missing_train": missing, "average": _averages(args, tasks, cells_by_task)}
    (out / "results.json").write_text(json.dumps(results, indent=1))
    (out / "results.md").write_text(format_results(results) + "\n")
    return results


TOO_FEW = 100  # a labelled split smaller than this cannot tell tiny models apart (one example = 1+ point)


def format_results(results: dict) -> str:
    """One row per task, split and metric: the best cell and mean ± std over seeds, x 100."""
    body = []
    for task, r in results["tasks"].items():
        if r["status"] != "ok":
            body.append([task, "-", r["status"], "", ""])
            continue
        for split, stats in r["over_seeds"].items():
            for m in METRICS[task]:
                s = stats[m]
                body.append([task, split, m, f"{100 * r[split][m]:.1f}",
                             f"{100 * s['mean']:.1f} ± {100 * s['std']:.1f} (n={s['n']})"])
    avg = results["average"]
    for split, a in avg.items():
        if isinstance(a, dict) and a.get("best") is not None:
            spread = a["over_seeds"]
            body.append(["average", split, avg["kind"], f"{100 * a['best']:.1f}",
                         f"{100 * spread['mean']:.1f} ± {100 * spread['std']:.1f} (n={spread['n']})" if spread else "-"])
    small = [f"{task} {split} ({n} examples)" for task, r in results["tasks"].items()
             for split, n in r.get("examples", {}).items() if n < TOO_FEW]
    note = ""
    if small:
        fewest = min(n for r in results["tasks"].values() for n in r.get("examples", {}).values())
        note = (f"\nnote: too few examples to tell models apart: {', '.join(small)}; with {fewest} examples one "
                f"prediction moves an accuracy by {100 / fewest:.1f} points")
    return text_table(["task", "split", "metric", "best", "mean ± std over seeds"], body) + \
        f"\naverage = {avg['definition']}." + note
