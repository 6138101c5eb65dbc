"""The curriculum study's ``report.md``: what was run and held equal, the verdicts, the tables and the plot on one
page a researcher can paste into a model card or a paper draft."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from hf_leaner.experiments.curriculum.config import StudyArguments
from hf_leaner.experiments.curriculum.report import NEAR_FREQUENCY_ONLY, TARGET_RATIO, zero_shot_suites_of
from hf_leaner.experiments.strategies import SCHEDULES, STRATEGIES
from hf_leaner.utils.io import write_atomic


def protocol(study: StudyArguments, summary: dict) -> list[str]:
    steps = study.budget // study.tokens_per_step
    grid = ", ".join(f"{lr:g}" for lr in study.learning_rates)
    sources = [s for s in study.zero_shot if s != "none"]
    suites = zero_shot_suites_of(summary["rows"]) or sources  # the suites scored, not the folders they came from
    return [
        f"- **Model**: {study.arch}, {study.model_size} non-embedding parameters, a {study.vocab_size:,}-token BPE "
        "trained on the training split.",
        f"- **Data**: `{study.data}`, config `{study.data_config}`"
        + (f", the first {study.max_train_documents:,} training documents" if study.max_train_documents else "")
        + f". {study.heldout_documents} training documents (at most {study.heldout_chars:,} characters) are held out "
        "to choose each strategy's learning rate and to drive iterative pacing; the validation split "
        f"({study.eval_chars_per_genre:,} characters per genre) is what every strategy is judged on and no "
        "curriculum sees it.",
        f"- **Budget**: {study.budget:,} tokens per run ({steps:,} steps of {study.batch_size} x {study.block_size}), "
        "the same for every strategy; "
        + ", ".join(f"{f:.0%}" for f in study.budget_fractions)
        + " of it, each share a run of its own with its whole learning-rate schedule and its own tuned rate.",
        "- **Strategies**: " + "; ".join(f"`{s}` ({STRATEGIES[s].what})" for s in study.strategies) + ".",
        "- **Schedules**: " + ", ".join(f"`{s}` ({SCHEDULES[s]['lr_scheduler_type']})" for s in study.schedules) + ".",
        (f"- **Tuning**: every strategy, the baseline included, picks its rate from the same grid ({grid}) on seed "
         f"{study.seeds[0]} by its held-out loss, then runs seeds {', '.join(map(str, study.seeds))}."
         if len(study.learning_rates) > 1 else
         f"- **Tuning**: none: one learning rate ({grid}) for every strategy; seeds "
         f"{', '.join(map(str, study.seeds))}."),
        f"- **Zero-shot**: {', '.join(suites) if suites else 'none'}"
        + (f" (from {', '.join(sources)})" if suites != sources else "")
        + (f", at most {study.zero_shot_pairs} pairs per paradigm" if study.zero_shot_pairs and suites else "")
        + "; every run's final model, at every share of the budget.",
        *([f"- **Frequency-only reference**: {summary['frequency_only_loss']:.3f} nats/token, the validation loss of "
           "a model that knows only how often each token occurs in the training split (add-one smoothed); a run "
           f"ending within {NEAR_FREQUENCY_ONLY:.0%} of it has learned little beyond that, and the verdicts name such "
           "runs."] if "frequency_only_loss" in summary else []),
        f"- **Intervals**: mean ± half-width of the 95% t-interval over seeds; a win is said only outside them. "
        "Zero-shot scores are compared with the baseline's full budget by their difference paired by seed (a seed's "
        "runs start from the same weights, whatever the strategy), a win only where its interval excludes zero. The "
        f"target of the paper's claim: the baseline's full-budget result with at most {TARGET_RATIO:.0%} of the "
        "tokens.",
    ]


def write_report_page(study: StudyArguments, summary: dict, out: Path) -> Path:
    command = "hf-leaner " + " ".join(shlex.quote(x) for x in sys.argv[1:])
    lines = ["# EXP3: does a curriculum teach more per token than random order?", "",
             f"Made with `{command}`.", "", "## Protocol", "", *protocol(study, summary), "",
             "## Verdicts", "", *[f"  - {line.strip()}" if line.startswith("  ") else f"- {line}"
                                  for line in summary["verdict"].splitlines()], "",
             f"![study]({Path(summary['png']).name})", "",
             *([f"![zero-shot]({Path(summary['zero_shot_png']).name})", ""] if summary.get("zero_shot_png") else []),
             "## Tables", "", "```", summary["table"], "```", ""]
    path = out / "report.md"
    write_atomic(path, "\n".join(lines))
    return path
