"""Evaluation results on the Hub: the ``.eval_results/*.yaml`` files and the card's ``model-index``, merged, never
replaced.

``push_results(run_dir, repo_id)`` reads an ``hf-leaner eval-glue`` output folder (``results.json``; an
``eval-zero-shot`` folder goes to ``.eval_results/zero-shot.yaml`` the same way) and writes each task's metrics
twice, because readers differ:

* ``.eval_results/leaner-glue.yaml`` — the Hub's current format (``EvalResultEntry``, one value per
  task id). Entries already in the file for other task ids are kept; ours replace those with the same id.
* the card's ``model-index`` (``EvalResult`` via ``metadata_update``) — the legacy format many tools still
  read. ``metadata_update`` merges: other results and every other card field stay as they were.

``write_classifier_card(folder, repo_id)`` gives a fine-tuned classifier folder (``eval-glue
--save_models``) its README before ``push-model`` uploads it.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from huggingface_hub import (EvalResult, EvalResultEntry, HfApi, ModelCard, ModelCardData, eval_result_entries_to_yaml,
                             hf_hub_download, metadata_update, parse_eval_result_entries)
from huggingface_hub.errors import EntryNotFoundError

DATASET_ID = "EmpathYang/TinyHelen"  # LEANER-GLUE ships inside the TinyHelen release
RESULTS_FILE = ".eval_results/leaner-glue.yaml"


def _metric_rows(task: str, metrics_by_split: dict) -> list[tuple[str, str, float]]:
    return [(split, name, value) for split, metrics in metrics_by_split.items() for name, value in metrics.items()]


def task_metrics_from_results(results: dict) -> dict[str, dict[str, dict]]:
    """``{task: {split: {metric: value}}}`` of the selected (best) cell of every task that was fine-tuned."""
    out = {}
    for task, r in results["tasks"].items():
        if r.get("status") == "ok":
            out[task] = {split: r[split] for split in r["over_seeds"]}
    return out


def eval_entries(task_metrics: dict, notes: str) -> list[EvalResultEntry]:
    return [EvalResultEntry(dataset_id=DATASET_ID, task_id=f"leaner-glue-{task}-{split}-{name}",
                            value=round(100 * value, 2), notes=notes)
            for task, by_split in task_metrics.items() for split, name, value in _metric_rows(task, by_split)]


def model_index_results(task_metrics: dict) -> list[EvalResult]:
    return [EvalResult(task_type="text-classification", dataset_type=DATASET_ID,
                       dataset_name=f"LEANER-GLUE {task.upper()}", dataset_config=task, dataset_split=split,
                       metric_type=name, metric_name=name, metric_value=round(100 * value, 2))
            for task, by_split in task_metrics.items() for split, name, value in _metric_rows(task, by_split)]


def _merged_entries(api: HfApi, repo_id: str, new: list[EvalResultEntry],
                    results_file: str = RESULTS_FILE) -> list[EvalResultEntry]:
    try:
        old = parse_eval_result_entries(yaml.safe_load(Path(hf_hub_download(repo_id, results_file, token=api.token))
                                                       .read_text()) or [])
    except EntryNotFoundError:
        old = []
    ours = {(e.dataset_id, e.task_id) for e in new}
    return [e for e in old if (e.dataset_id, e.task_id) not in ours] + new


def check_scores(path: Path, scores: dict) -> None:
    """Every score to be pushed is a finite number (a NaN or a string would be published as a result)."""
    import math

    from hf_leaner.utils.errors import LeanerDataError

    for field, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise LeanerDataError(f"{path}: field {field} = {value!r} is not a finite number; nothing was pushed")


def read_results(path: Path, written_by: str) -> dict:
    """A ``results.json`` as the object its command writes, else one line naming the file and what is wrong."""
    from hf_leaner.utils.errors import LeanerDataError

    if not path.is_file():
        raise LeanerDataError(f"{path}: not found; this takes a folder written by {written_by}")
    try:
        results = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        where = f" (line {e.lineno}, column {e.colno}: {e.msg})" if isinstance(e, json.JSONDecodeError) else ""
        raise LeanerDataError(f"{path}: not valid JSON{where}, e.g. cut short; rerun {written_by} to rewrite it") \
            from None
    if not isinstance(results, dict) or not results:
        raise LeanerDataError(f"{path}: holds {json.dumps(results)[:40]}, not the results object {written_by} "
                              "writes")
    return results


def push_results(run_dir: str | Path, repo_id: str, private: bool | None = None, token: str | None = None,
                 model: str | None = None) -> str:
    """Merge an eval-glue or eval-zero-shot run's results into ``repo_id`` (created if needed); returns the card
    commit's URL. ``model`` picks one model of a zero-shot run that scored several."""
    from hf_leaner.utils.errors import LeanerDataError

    path = Path(run_dir) / "results.json"
    results = read_results(path, "`hf-leaner eval-glue` or `hf-leaner eval-zero-shot`")
    if "models" in results and "protocol" in results:
        return push_zero_shot_results(results, path, repo_id, model, private, token)
    if model is not None:
        raise LeanerDataError(f"{path}: an eval-glue run holds one model; --model applies to eval-zero-shot runs")
    missing = [k for k in ("tasks", "preset", "from_scratch", "learning_rates", "seeds") if k not in results]
    if missing:
        raise LeanerDataError(f"{path}: no field {missing[0]!r}; not a results.json of eval-glue or eval-zero-shot")
    metrics = task_metrics_from_results(results)
    check_scores(path, {f"tasks.{t}.{s}.{m}": v for t, by in metrics.items() for s, ms in by.items()
                        for m, v in ms.items()})
    if not metrics:
        raise LeanerDataError(f"{path}: no fine-tuned task to push (missing train splits: "
                              f"{', '.join(results.get('missing_train', {})) or 'none'})")
    notes = (f"LEANER-GLUE fine-tuning with hf-leaner, preset {results['preset']}, "
             f"{'from scratch' if results['from_scratch'] else 'pretrained'}; best of learning rates "
             f"{results['learning_rates']} x seeds {results['seeds']}, selected on validation; x100")
    api = HfApi(token=token)
    api.create_repo(repo_id, private=private, exist_ok=True)
    entries = _merged_entries(api, repo_id, eval_entries(metrics, notes))
    api.upload_file(path_or_fileobj=yaml.safe_dump(eval_result_entries_to_yaml(entries), sort_keys=False).encode(),
                    path_in_repo=RESULTS_FILE, repo_id=repo_id, commit_message="Add LEANER-GLUE results (.eval_results)")
    card_data = ModelCardData(model_name=repo_id.split("/")[-1], eval_results=model_index_results(metrics))
    return metadata_update(repo_id, {"model-index": card_data.to_dict()["model-index"]}, overwrite=True, token=token,
                           commit_message="Add LEANER-GLUE results (model-index)")


ZERO_SHOT_FILE = ".eval_results/zero-shot.yaml"
SUITE_DATASETS = {"blimp": "nyu-mll/blimp", "zorro": "phueb/Zorro"}  # Zorro lives on GitHub (phueb/Zorro), not the Hub


def zero_shot_scores(results: dict, model: str) -> list[tuple[str, str, str, float]]:
    """``(suite, task id, name, accuracy x100)`` of one model of an ``eval-zero-shot`` results.json: each suite's
    mean over paradigms, its LEANER view, and each phenomenon."""
    rows = []
    for suite, s in results["models"][model]["suites"].items():
        rows.append((suite, f"zero-shot-{suite}", f"{suite} (mean over paradigms)", s["accuracy"]))
        rows.append((suite, f"zero-shot-{suite}-leaner-view", f"{suite}, LEANER view", s["leaner_view"]["accuracy"]))
        rows += [(suite, f"zero-shot-{suite}-{ph}", f"{suite} {ph}", p["accuracy"]) for ph, p in s["phenomena"].items()]
    return [(suite, task, name, round(100 * v, 2)) for suite, task, name, v in rows if v is not None]


def zero_shot_model_index(scores: list[tuple[str, str, str, float]]) -> list[EvalResult]:
    """The card's model-index entries of :func:`zero_shot_scores` (pushed results and written cards alike)."""
    return [EvalResult(task_type="minimal-pairs", task_name="Zero-shot minimal pairs",
                       dataset_type=SUITE_DATASETS.get(suite, suite), dataset_name=name, dataset_config=task,
                       metric_type="accuracy", metric_name="accuracy", metric_value=value)
            for suite, task, name, value in scores]


def push_zero_shot_results(results: dict, path: Path, repo_id: str, model: str | None = None,
                           private: bool | None = None, token: str | None = None) -> str:
    """Merge one model's minimal-pair accuracies into ``.eval_results/zero-shot.yaml`` and the card's
    ``model-index`` (GLUE's and any other results stay)."""
    from hf_leaner.utils.errors import LeanerDataError

    models = list(results["models"])
    if model is None and len(models) > 1:
        raise LeanerDataError(f"{path}: {len(models)} models ({', '.join(models)}); say which with --model")
    model = model or models[0]
    if model not in results["models"]:
        raise LeanerDataError(f"{path}: no model {model!r} (models: {', '.join(models)})")
    protocol = results["protocol"]
    subset = protocol.get("max_pairs_per_paradigm")
    notes = ("zero-shot minimal pairs with hf-leaner eval-zero-shot: accuracy x100, ties counted half, mean over "
             "paradigms" + (f"; a subset of {subset} pairs per paradigm" if subset else ""))
    check_scores(path, {f"models.{model}.suites.{suite}.{task}": v
                        for suite, s in results["models"][model]["suites"].items()
                        for task, v in [("accuracy", s.get("accuracy")),
                                        ("leaner_view.accuracy", (s.get("leaner_view") or {}).get("accuracy")),
                                        *[(f"phenomena.{ph}.accuracy", p.get("accuracy"))
                                          for ph, p in (s.get("phenomena") or {}).items()]] if v is not None})
    scores = zero_shot_scores(results, model)
    new = [EvalResultEntry(dataset_id=SUITE_DATASETS.get(suite, suite), task_id=task, value=value, notes=notes)
           for suite, task, _, value in scores]
    api = HfApi(token=token)
    api.create_repo(repo_id, private=private, exist_ok=True)
    entries = _merged_entries(api, repo_id, new, ZERO_SHOT_FILE)
    api.upload_file(path_or_fileobj=yaml.safe_dump(eval_result_entries_to_yaml(entries), sort_keys=False).encode(),
                    path_in_repo=ZERO_SHOT_FILE, repo_id=repo_id, commit_message="Add zero-shot results (.eval_results)")
    card_data = ModelCardData(model_name=repo_id.split("/")[-1], eval_results=zero_shot_model_index(scores))
    return metadata_update(repo_id, {"model-index": card_data.to_dict()["model-index"]}, overwrite=True, token=token,
                           commit_message="Add zero-shot results (model-index)")


JUDGE_FILE = ".eval_results/leaner-eval.yaml"


def push_judge_results(run_dir: str | Path, model: str, repo_id: str, token: str | None = None) -> str:
    """Merge one model's LEANER-Eval judge scores (an ``hf-leaner judge`` folder) into ``repo_id``."""
    from hf_leaner.utils.errors import LeanerDataError

    path = Path(run_dir) / "results.json"
    results = read_results(path, "`hf-leaner judge`")
    if "all" not in results or "judge" not in results:
        raise LeanerDataError(f"{path}: no field 'all' or 'judge'; not a results.json of hf-leaner judge")
    if model not in results["all"]:
        raise LeanerDataError(f"{path}: no model {model!r} (models: {', '.join(results['all'])})")
    blocks = {"all": results["all"], **results["subsets"]}
    notes = (f"LLM judge {results['judge']['model']}, answers judged together in two orders; "
             f"{results['rule']}; failure rate {results['all'][model]['failure_rate']:.3f}")
    new = [EvalResultEntry(dataset_id=DATASET_ID, task_id=f"leaner-eval-{subset}-{c}", value=round(r[model][c], 3),
                           notes=notes)
           for subset, r in blocks.items() for c in ("grammar", "coherence", "specificity", "sum")
           if r[model][c] is not None]
    api = HfApi(token=token)
    api.create_repo(repo_id, exist_ok=True)
    entries = _merged_entries(api, repo_id, new, JUDGE_FILE)
    return api.upload_file(path_or_fileobj=yaml.safe_dump(eval_result_entries_to_yaml(entries), sort_keys=False).encode(),
                           path_in_repo=JUDGE_FILE, repo_id=repo_id,
                           commit_message="Add LEANER-Eval judge scores (.eval_results)").commit_url


def write_classifier_card(folder: str | Path, repo_id: str) -> Path:
    """README.md for a fine-tuned classifier folder written by ``eval-glue --save_models``."""
    folder = Path(folder)
    info = json.loads((folder / "hf_leaner_glue.json").read_text())
    task = info["task"]
    metrics = {task: info["metrics"]}
    rows = "\n".join(f"| {split} | {name} | {100 * v:.2f} |" for split, name, v in _metric_rows(task, info["metrics"]))
    data = ModelCardData(library_name="transformers", license="mit", language=["en"], model_name=repo_id.split("/")[-1],
                         tags=["tinyhelen", "leaner", "leaner-glue", task], pipeline_tag="text-classification",
                         eval_results=model_index_results(metrics))
    body = (f"# {repo_id.split('/')[-1]}\n\nA tiny model fine-tuned on LEANER-GLUE {task.upper()} with hf-leaner "
            f"(learning rate {info['learning_rate']:g}, seed {info['seed']}, {info['settings']['epochs']:g} epochs).\n\n"
            "| split | metric | score (x100) |\n|---|---|---|\n" + rows + "\n\nMamba2 classifiers load with the "
            "Auto classes once `import hf_leaner.models.mamba2_classifier` has registered the head.\n")
    card = ModelCard.from_template(data, template_str="---\n{{ card_data }}\n---\n" + body)
    card.save(str(folder / "README.md"))
    return folder / "README.md"
