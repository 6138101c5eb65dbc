"""Zero-shot grammar columns for the experiments (the main job, EXP1, EXP3): which suites, and each model's scores.

Every experiment takes the same ``--zero_shot`` list:

* ``own`` (the default): minimal pairs generated from the training corpus's own vocabulary
  (:mod:`hf_leaner.evaluation.pair_templates`), so even a model trained on the embedded sample is scored offline
  on words it has seen;
* a folder holding ``blimp/`` and/or ``zorro/`` (e.g. ``../shared``), or ``NAME=PATH`` for one suite;
* ``none``: no zero-shot columns.

    >>> suites, data = zero_shot_suites(["own", "../shared"], texts, Path("out/zero_shot"))
    >>> results = score_models({"leaner": "out/llama/leaner"}, suites, data, Path("out/zero_shot"))
"""

from __future__ import annotations

import json
from pathlib import Path

from hf_leaner.evaluation.zero_shot_config import KNOWN_SUITES
from hf_leaner.utils.io import write_atomic

OWN = "own"
ZERO_SHOT_HELP = ("zero-shot minimal-pair suites scored on the trained models: own (pairs generated from the training "
                  "vocabulary), a folder holding blimp/ and zorro/, NAME=PATH, or none")


def check_zero_shot(spec: list[str]) -> None:
    """Before any work: each item is ``own``, ``none`` or a path that exists."""
    from hf_leaner.utils.errors import UsageError

    for item in spec:
        path = item.partition("=")[2] if "=" in item else item
        if item not in (OWN, "none") and not Path(path).expanduser().exists():
            raise UsageError(f"--zero_shot {item}: no such file or folder (give own, none, a folder holding blimp/ "
                             "and zorro/, or NAME=PATH)")


def zero_shot_suites(spec: list[str], texts, out: Path, pairs_per_paradigm: int = 100,
                     vocabulary: dict | None = None) -> tuple[list[str], list[str]]:
    """``(suites, data items)`` for :class:`ZeroShotArguments`; ``own`` writes its pairs to ``out/own_pairs.jsonl``
    from the word counts of ``texts`` (an iterable of training documents, read only when ``own`` is asked for), or
    from ``vocabulary`` when given (EXP1: the words both arms were trained on)."""
    suites, data = [], []
    for item in spec:
        if item == "none":
            continue
        if item == OWN:
            from hf_leaner.evaluation.pair_templates import (generate_minimal_pairs, vocabulary_from_texts,
                                                             write_pairs_jsonl)

            vocabulary = vocabulary if vocabulary is not None else vocabulary_from_texts(texts)
            pairs, skipped = generate_minimal_pairs(vocabulary, pairs_per_paradigm)
            write_pairs_jsonl(pairs, out / "own_pairs.jsonl")
            write_atomic(out / "own_pairs_skipped.json", json.dumps(skipped, indent=1))
            filled = len({p["paradigm"] for p in pairs})
            print(f"zero-shot: own pairs: {filled} paradigm(s), {len(pairs):,} pairs from the training vocabulary"
                  + (f"; {len(skipped)} skipped, the vocabulary lacks their words ({out / 'own_pairs_skipped.json'})"
                     if skipped else ""))
            if not pairs:
                continue
            suites.append(OWN)
            data.append(f"{OWN}={out / 'own_pairs.jsonl'}")
        elif "=" in item:
            suites.append(item.partition("=")[0])
            data.append(item)
        else:
            found = [s for s in KNOWN_SUITES if (Path(item) / s).exists()]
            suites += found or [Path(item).stem]
            data.append(item if found else f"{Path(item).stem}={item}")
    return suites, data


def score_models(models: dict[str, str], suites: list[str], data: list[str], out: Path,
                 max_pairs_per_paradigm: int | None = None, untrained: bool = False,
                 workers: int = 1) -> dict[str, dict[str, dict]]:
    """``{label: {suite: {"accuracy", "leaner", "phenomena"}}}`` for each model (and ``<label>-untrained`` with ``untrained``);
    the full results (per paradigm, predictions, PNG) stay in ``out`` and resume like ``eval-zero-shot``."""
    from hf_leaner.evaluation.zero_shot import model_keys, run_zero_shot
    from hf_leaner.evaluation.zero_shot_config import ZeroShotArguments
    from hf_leaner.utils.logging import quiet_libraries

    quiet_libraries()
    if not suites or not models:
        return {}
    paths = list(models.values())
    results = run_zero_shot(ZeroShotArguments(models=paths, suites=suites, data=data, output_dir=str(out),
                                              max_pairs_per_paradigm=max_pairs_per_paradigm, untrained=untrained,
                                              workers=workers),
                            progress=False)
    keys = model_keys(paths)
    scores = {}
    for label, path in models.items():
        for key, suffix in ((keys[path], ""), (f"{keys[path]}-untrained", "-untrained")):
            if key in results["models"]:
                scores[label + suffix] = {suite: {"accuracy": s["accuracy"], "leaner": s["leaner_view"]["accuracy"],
                                                  "phenomena": {p: v["accuracy"] for p, v in s["phenomena"].items()}}
                                          for suite, s in results["models"][key]["suites"].items()}
    return scores
