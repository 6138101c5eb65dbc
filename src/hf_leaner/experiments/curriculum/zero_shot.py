"""The curriculum study's zero-shot part: minimal-pair accuracy of every cell's final models (``--zero_shot``).

``zero_shot_averages(study, cells, model_dir)`` adds ``cell["zero_shot"] = {suite: (mean, 95% half-width)}`` over
seeds and ``cell["zero_shot_by_seed"] = {suite: {seed: accuracy}}`` to each cell, at every budget fraction; ``model_dir(schedule, strategy, lr, seed, fraction)`` is the folder a
run saved its model in. The pairs ``own`` makes come from the training split's vocabulary only (the study never
shows a model, or its curriculum, the validation text it is judged on).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from hf_leaner.experiments.curriculum.config import StudyArguments
from hf_leaner.experiments.curriculum.report import t_interval
from hf_leaner.experiments.zero_shot_columns import score_models, zero_shot_suites


def zero_shot_averages(study: StudyArguments, cells: dict, model_dir: Callable[..., Path]) -> list[str]:
    """Score every run's model; returns the suites (empty when ``--zero_shot none``)."""
    from hf_leaner.train.pretrain import PretrainArguments, load_corpus

    out = Path(study.output_dir) / "zero_shot"
    texts = (t for t in load_corpus(PretrainArguments(data=study.data, data_config=study.data_config))["train"]["text"])
    suites, data = zero_shot_suites(study.zero_shot, texts, out)
    models = {}
    for (schedule, strategy, fraction), cell in cells.items():
        for record in cell["runs"]:
            s = record["settings"]
            models[(schedule, strategy, fraction, s["seed"])] = str(model_dir(schedule, strategy, s["learning_rate"],
                                                                              s["seed"], fraction))
    labels = {key: "/".join(map(str, key)) for key in models}
    scores = score_models({labels[k]: path for k, path in models.items()}, suites, data, out,
                          study.zero_shot_pairs, workers=study.workers)
    for (schedule, strategy, fraction), cell in cells.items():
        seeds = [k for k in models if k[:3] == (schedule, strategy, fraction)]
        # kept per seed: a seed's runs start from the same weights, so strategies are compared paired by seed
        cell["zero_shot_by_seed"] = {suite: {k[3]: scores[labels[k]][suite]["accuracy"] for k in seeds}
                                     for suite in suites}
        cell["zero_shot"] = {suite: t_interval(by_seed.values()) for suite, by_seed in cell["zero_shot_by_seed"].items()}
    return suites
