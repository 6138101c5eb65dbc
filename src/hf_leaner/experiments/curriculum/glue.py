"""The curriculum study's GLUE part: the LEANER-GLUE average of every cell's final models (``--glue``).

``glue_averages(study, cells, model_dir)`` adds ``cell["glue"]`` (mean and 95% half-width over seeds) to each
cell; ``model_dir(schedule, strategy, lr, seed, fraction)`` is the folder a run saved its model in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from hf_leaner.experiments.curriculum.config import StudyArguments
from hf_leaner.experiments.curriculum.report import t_interval


def glue_averages(study: StudyArguments, cells: dict, model_dir: Callable[..., Path]) -> None:
    """LEANER-GLUE average (a reduced grid: one LR, one fine-tuning seed) of each cell's final models, at every
    budget fraction: the paper's claim compares a curriculum on fewer steps with the baseline on all of them."""
    from hf_leaner.evaluation.glue import GlueArguments, run_glue

    for (schedule, strategy, fraction), cell in cells.items():
        scores = []
        for record in cell["runs"]:
            s = record["settings"]
            model = model_dir(schedule, strategy, s["learning_rate"], s["seed"], fraction)
            result = run_glue(GlueArguments(model=str(model), data=study.data, tasks=list(study.glue_tasks),
                                            output_dir=str(model / "glue"), learning_rates=[1e-3], seeds=[1],
                                            num_train_epochs=1.0, max_train_examples=study.glue_max_train_examples,
                                            progress=False, workers=1))  # a few tiny cells: spawning costs more
            scores.append(_average_value(result["average"]))
        cell["glue"] = t_interval(scores)


def _average_value(average: dict) -> float:
    value = average.get("value")  # the report's headline: best cells on the validation split
    return float(value) if value is not None else float("nan")

