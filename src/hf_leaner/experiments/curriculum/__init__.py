"""``hf-leaner experiment curriculum``: curriculum strategies against a tuned random baseline, fairly.

Fair means: every strategy and the baseline train the same model on the same documents for the **same
number of training tokens** (a sequence-length warm-up, which feeds shorter blocks early, gets the steps
that make its tokens equal); each gets **its own learning rate** from one grid, chosen on a held-out
slice of the *training* documents (never on the validation set the table reports; the same slice drives
the iterative pacing); both **learning-rate families** are run (cosine decay, and warmup-stable-decay with
an average of the last weight snapshots); and every cell is **several seeds**, reported as mean ± 95%
t-interval.

    for each schedule family, strategy:    LR sweep on the first seed  ->  LR with the lowest held-out loss
                                           the other seeds at that LR
    table: validation loss at fixed token counts, final loss, tokens to reach the tuned baseline's final
           loss (the best baseline over the families), its ratio to the budget; a PNG with interval bands

Under a schedule that decays (cosine, or WSD's last share), a run reaches the baseline's final loss only in
its own decay, so where a full-budget curve crosses that loss cannot show a win at 70% of the tokens. The
fair test of "the same loss with fewer tokens" is ``budget_fractions``: every strategy is also trained at
that share of the budget with its whole schedule (its own LR from the same grid, the same seeds), and its
final loss is compared with the tuned baseline's at the full budget, and with the baseline's at the same share.
With ``glue``, the models of every share are fine-tuned too: the paper's "~20% fewer steps" is this comparison by
LEANER-GLUE average (a curriculum on fewer steps against the baseline on all of them), not by loss.

Each finished run writes ``runs/<family>/<strategy>/lr<LR>_seed<S>.json``; a rerun with the same settings
reuses it instead of training again, so an interrupted study continues where it stopped.

    config.py  StudyArguments (the flags; no torch)     run.py   data, one run, its cache, ``run_study``
    report.py  statistics, rows, tables, verdicts        plot.py  the figure (``plot.plot``)   glue.py  ``--glue``

Names are imported on first use, so ``from hf_leaner.experiments.curriculum import StudyArguments`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_MODULES = {
    "config": ("StudyArguments",),
    "report": ("TARGET_RATIO", "CHECKPOINTS", "t_interval", "tokens_to_reach", "loss_at", "versus", "summarize",
               "fraction_rows", "format_table", "format_fraction_table", "verdict", "fraction_verdict",
               "glue_verdict", "verdict_by_crossing", "compare_finals", "paired_difference"),
    "run": ("StudyData", "prepare_data", "validation_subset", "corpus_for", "run_settings", "steps_for_budget",
            "cumulative_tokens", "run_path", "stored_run", "train_run", "Study", "run_study"),
    "glue": ("glue_averages",),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}

if TYPE_CHECKING:
    from .config import StudyArguments  # noqa: F401
    from .glue import glue_averages  # noqa: F401
    from .report import (CHECKPOINTS, TARGET_RATIO, compare_finals, format_fraction_table, format_table,  # noqa: F401
                         fraction_rows, fraction_verdict, glue_verdict, loss_at, paired_difference, summarize,
                         t_interval, tokens_to_reach, verdict, verdict_by_crossing, versus)
    from .run import (Study, StudyData, corpus_for, cumulative_tokens, prepare_data, run_path,  # noqa: F401
                      run_settings, run_study, steps_for_budget, stored_run, train_run, validation_subset)


def __getattr__(name):  # import on first use: the study's modules load only when a name is asked for
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = list(_LAZY)
