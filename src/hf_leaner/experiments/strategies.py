"""The curriculum study's strategies: each a name and the ``CurriculumConfig`` settings it differs by.

The one registry of names: the command line reads it (no torch import here) and the study runs it.
``SCHEDULES`` are the two learning-rate families every strategy is trained under.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Strategy:
    name: str
    what: str  # one line for tables and --help
    settings: dict = field(default_factory=dict)  # CurriculumConfig fields
    data_config: str | None = None  # another corpus config (the source curriculum: leaner+original-...)
    seq_len_warmup: bool = False  # sequence-length warm-up from block/8 (set per block size)
    # iterative pacing grows only when it evaluates: held-out evaluations per run, often enough for its +5% steps
    # to reach all the data (the study's --evals, 8 by default, would stop it at 45%)
    pacing_evaluations: int | None = None


def _warmup(scorer: str, **more) -> dict:
    # curriculum as a warm-up: easiest 10% first, all the data by 30% of the run, then plain random sampling
    return {"difficulty": scorer, "pacing": "linear", "start_fraction": 0.1, "full_data_by": 0.3, **more}


STRATEGIES = {s.name: s for s in (
    Strategy("baseline", "random order over all the data"),
    Strategy("warmup-compression", "easiest-first by zlib compression ratio, all data by 30% of the run",
             _warmup("compression_ratio")),
    Strategy("warmup-readability", "easiest-first by Flesch reading ease, all data by 30%", _warmup("readability")),
    Strategy("warmup-sentence-length", "easiest-first by mean sentence length, all data by 30%",
             _warmup("sentence_length")),
    Strategy("seqlen-warmup", "random order; sequences grow from block/8 to the full block by 30% of the run",
             {"seq_len_end": 0.3}, seq_len_warmup=True),
    Strategy("folded-compression", "3 easy-to-hard sweeps by compression ratio over all the data",
             {"difficulty": "compression_ratio", "pacing": "none", "folds": 3}),
    Strategy("iterative-sentence-length", "TinyHelen's iterative pacing (+5% per stalled held-out evaluation, 50 a run), "
             "sentence length",
             {"difficulty": "sentence_length", "pacing": "iterative", "start_fraction": 0.05, "increment": 0.05},
             pacing_evaluations=50),
    Strategy("source-leaner-first", "LEANER text first, the ORIGINAL text of the same documents phased in by 50%",
             {"difficulty": "source", "pacing": "linear", "start_fraction": 0.5, "full_data_by": 0.5},
             data_config="leaner+original"),
    # CLIMB's objective curriculum: masked family only (--arch bert)
    Strategy("objective-pos-then-mlm", "masked LM: word-class prediction for the first half, then token prediction",
             {"objective_units": ["pos:0-0.5", "mlm:0.5-1"]}),
    Strategy("multitask-pos-mlm", "masked LM: word-class and token prediction together, losses summed",
             {"objective_units": ["pos:0-1", "mlm:0-1"]}),
)}

DEFAULT_STRATEGIES = ("baseline", "warmup-compression", "seqlen-warmup")

SCHEDULES = {
    "decay": {"lr_scheduler_type": "cosine"},
    # warmup-stable-decay: flat rate, the last 20% decays; the final model averages the last 3 snapshots
    "wsd": {"lr_scheduler_type": "warmup_stable_decay", "decay_fraction": 0.2, "average_last": 3},
}
