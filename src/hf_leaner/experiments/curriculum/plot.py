"""The curriculum study's figure: validation curves with 95% interval bands, one panel per LR schedule.

``plot(summary, cells, path, smaller)``; runs at smaller budgets are drawn as final points with error bars.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hf_leaner.experiments.curriculum.report import (NEAR_FREQUENCY_ONLY, TARGET_RATIO, baseline_name, loss_at,
                                                     t_interval)


def plot(summary: dict, cells: dict, path: Path, smaller: dict | None = None) -> Path:
    """Validation curves with interval bands; runs at smaller budgets (``smaller``) as final points with error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    schedules = list(dict.fromkeys(s for s, _ in cells))
    fig, axes = plt.subplots(1, len(schedules), figsize=(6.5 * len(schedules), 4.5), sharey=True, squeeze=False)
    grid = np.linspace(summary["budget"] * 0.1, summary["budget"], 40)
    for ax, schedule in zip(axes[0], schedules):
        for (s, strategy), cell in cells.items():
            if s != schedule:
                continue
            curves = np.array([[loss_at(r["curve"], x) for x in grid] for r in cell["runs"]])
            stats = [t_interval(col) for col in curves.T]
            mean = np.array([m for m, _ in stats])
            half = np.nan_to_num(np.array([h for _, h in stats]))
            (line,) = ax.plot(grid / 1e6, mean, label=f"{strategy} (lr {cell['lr']:g})")
            ax.fill_between(grid / 1e6, mean - half, mean + half, color=line.get_color(), alpha=0.2)
            for (s2, strategy2, fraction), small in (smaller or {}).items():
                if (s2, strategy2) == (schedule, strategy):
                    m, h = t_interval([r["final_loss"] for r in small["runs"]])
                    ax.errorbar([fraction * summary["budget"] / 1e6], [m], yerr=[np.nan_to_num(h)], fmt="o",
                                color=line.get_color(), capsize=3, ms=4)
        ax.axhline(summary["target"], color="grey", ls="--", lw=1, label=baseline_name(summary)[4:] + "'s final loss")
        ax.axvline(TARGET_RATIO * summary["budget"] / 1e6, color="grey", ls=":", lw=1,
                   label=f"{TARGET_RATIO:.0%} of the tokens (the target)")
        reference = summary.get("frequency_only_loss")
        if reference is not None and ax.get_ylim()[1] >= (1 - 2 * NEAR_FREQUENCY_ONLY) * reference:
            # drawn only when the curves come near it: otherwise it would squash them
            ax.axhline(reference, color="black", ls=":", lw=1, label="frequency-only loss")
        ax.set_title(f"{schedule} schedule" + ("; dots: whole runs on a share of the budget" if smaller else ""))
        ax.set_xlabel("training tokens (M)")
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("validation loss (nats/token), mean ± 95% CI")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path



def plot_zero_shot(summary: dict, path: Path) -> Path | None:
    """The zero-shot verdict as a picture: per suite, each strategy's accuracy minus the baseline's at the full
    budget (points, paired by seed, 95% interval) at every share of the budget; a bar that clears zero is a win."""
    rows = [r for r in summary.get("fraction_rows", []) if r.get("zero_shot_difference")]
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suites = list(dict.fromkeys(s for r in rows for s in r["zero_shot_difference"]))
    labels = list(dict.fromkeys(f"{r['strategy']} ({r['schedule']})" for r in rows))
    fractions = sorted({r["fraction"] for r in rows})
    fig, axes = plt.subplots(1, len(suites), figsize=(5.5 * len(suites), 0.45 * len(labels) + 1.8), sharey=True,
                             squeeze=False)
    for ax, suite in zip(axes[0], suites):
        for k, fraction in enumerate(fractions):
            shift = (k - (len(fractions) - 1) / 2) * 0.25
            at = [(labels.index(f"{r['strategy']} ({r['schedule']})") + shift, r["zero_shot_difference"][suite])
                  for r in rows if r["fraction"] == fraction and not (r["strategy"] == "baseline" and fraction == 1)]
            if at:
                ax.errorbar([100 * d[0] for _, d in at], [y for y, _ in at],
                            xerr=[np.nan_to_num(100 * d[1]) for _, d in at], fmt="o", capsize=3, ms=4,
                            label=f"{fraction:.0%} of the tokens")
        ax.axvline(0, color="grey", ls="--", lw=1)
        ax.set_title(f"{suite}: minus the baseline at 100%")
        ax.set_xlabel("accuracy difference (points), paired by seed, 95% CI")
        ax.legend(fontsize=7)
    axes[0][0].set_yticks(range(len(labels)), labels, fontsize=8)
    axes[0][0].invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
