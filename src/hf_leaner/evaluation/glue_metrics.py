"""GLUE's metrics, computed locally with scikit-learn and scipy (no metric download at run time).

``task_metrics("mrpc", labels, predictions)`` returns the task's metrics under GLUE's names:
CoLA ``matthews_correlation``; STS-B ``pearson`` and ``spearmanr``; MRPC and QQP ``f1`` and
``accuracy``; MNLI (matched / mismatched), QNLI, RTE, SST-2 and WNLI ``accuracy``. All are in [0, 1]
(correlations in [-1, 1]); tables print them x 100, as GLUE's leaderboard does.

Two averages, each stating its definition (``AVERAGES``):

* ``glue``: GLUE's macro-average. A task's score is the unweighted mean of its metrics (MRPC: F1 and
  accuracy; STS-B: Pearson and Spearman), MNLI's is the mean of matched and mismatched accuracy; the
  average is the unweighted mean of the task scores.
* ``babylm``: the BabyLM 2025 pipeline's: accuracy, except F1 for MRPC and QQP and MCC for CoLA
  (STS-B, which that pipeline does not run, counts with Pearson).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

from hf_leaner.data.glue_tasks import GLUE_TASKS

METRICS = {t.name: t.metrics for t in GLUE_TASKS.values()}  # views of the task table
REGRESSION = {t.name for t in GLUE_TASKS.values() if t.is_regression}
AVERAGES = {
    "glue": "GLUE macro-average: mean over tasks of each task's score; a task's score is the mean of its metrics "
            "(MRPC/QQP: F1 and accuracy, STS-B: Pearson and Spearman, MNLI: matched and mismatched accuracy)",
    "babylm": "BabyLM 2025 average: mean over tasks of accuracy, except F1 for MRPC/QQP and Matthews correlation for "
              "CoLA (STS-B: Pearson); MNLI: matched and mismatched accuracy averaged",
}
BABYLM_METRIC = {t.name: t.babylm_metric for t in GLUE_TASKS.values()}


def _correlation(fn, p: np.ndarray, y: np.ndarray) -> float:
    """A constant prediction leaves a correlation undefined; it is scored 0 (no relation), not NaN."""
    if np.ptp(p) == 0 or np.ptp(y) == 0:
        return 0.0
    x = float(fn(p.astype(float), y.astype(float))[0])
    return x if math.isfinite(x) else 0.0


def task_metrics(task: str, labels, predictions) -> dict[str, float]:
    """The task's GLUE metrics for gold ``labels`` and model ``predictions`` (class ids, or scores for STS-B)."""
    if task not in GLUE_TASKS:
        raise ValueError(f"task {task!r}: choose one of {', '.join(GLUE_TASKS)}")
    y, p = np.asarray(labels), np.asarray(predictions)
    if len(y) != len(p) or len(y) == 0:
        raise ValueError(f"{task}: {len(y)} labels for {len(p)} predictions")
    out = {}
    with warnings.catch_warnings():  # one class in a tiny split: sklearn warns, the value is still GLUE's
        warnings.simplefilter("ignore")
        for name in GLUE_TASKS[task].metrics:
            out[name] = _metric(name, y, p)
    return out


def _metric(name: str, y: np.ndarray, p: np.ndarray) -> float:
    if name == "accuracy":
        return float(accuracy_score(y, p))
    if name == "f1":  # GLUE's F1 is the positive class's (label 1: equivalent / duplicate)
        return float(f1_score(y, p, pos_label=1, average="binary", zero_division=0.0))
    if name == "matthews_correlation":
        return float(matthews_corrcoef(y, p))
    return _correlation(pearsonr if name == "pearson" else spearmanr, p, y)


def task_score(task: str, metrics_by_split: dict[str, dict], split: str, kind: str = "glue") -> float | None:
    """One number per task for the average, on ``split`` (MNLI: mean of ``split_matched``/``_mismatched``)."""
    splits = [f"{split}_matched", f"{split}_mismatched"] if task == "mnli" else [split]
    scores = []
    for s in splits:
        m = metrics_by_split.get(s)
        if m is None:
            continue
        if kind == "glue":
            scores.append(float(np.mean([m[k] for k in GLUE_TASKS[task].metrics])))
        else:
            scores.append(m[GLUE_TASKS[task].babylm_metric])
    return float(np.mean(scores)) if scores else None


def average(task_metrics_by_split: dict[str, dict[str, dict]], split: str = "validation", kind: str = "glue") -> dict:
    """``{"value", "definition", "split", "tasks"}``: the ``kind`` average over the tasks scored on ``split``."""
    if kind not in AVERAGES:
        raise ValueError(f"average {kind!r}: choose one of {', '.join(AVERAGES)}")
    scores = {t: task_score(t, m, split, kind) for t, m in task_metrics_by_split.items()}
    scores = {t: s for t, s in scores.items() if s is not None}
    return {"value": float(np.mean(list(scores.values()))) if scores else None, "definition": AVERAGES[kind],
            "split": split, "tasks": scores}
