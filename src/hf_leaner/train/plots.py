"""PNG plots of training runs: loss curves, and the curriculum's fraction of data in use."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; no display needed
import matplotlib.pyplot as plt  # noqa: E402


def plot_run(log_history: list[dict], path: str | Path, title: str = "") -> Path:
    """Train and eval loss against step, with the curriculum fraction on a second axis."""
    train = [(h["step"], h["loss"]) for h in log_history if "loss" in h]
    evals = [(h["step"], h["eval_loss"]) for h in log_history if "eval_loss" in h]
    frac = [(h["step"], h["curriculum/fraction"]) for h in log_history if "curriculum/fraction" in h]
    fig, ax = plt.subplots(figsize=(7, 4))
    if train:
        ax.plot(*zip(*train), label="train loss", alpha=0.6)
    if evals:
        ax.plot(*zip(*evals), "o-", label="eval loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats/token)")
    if frac:
        ax2 = ax.twinx()
        ax2.step(*zip(*frac), where="post", color="tab:green", alpha=0.5, label="data in use")
        ax2.set_ylabel("fraction of documents in use")
        ax2.set_ylim(0, 1.05)
    ax.legend(loc="upper right")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def plot_curves(curves: dict[str, list[tuple[int, float]]], path: str | Path, title: str = "",
                ylabel: str = "validation loss (nats/token)", reference: float | None = None,
                fractions: dict[str, list[tuple[int, float]]] | None = None) -> Path:
    """Several runs' eval-loss curves in one figure (one line per run); with ``fractions``, a second panel
    shows each run's curriculum: the fraction of documents in use against step."""
    rows = 2 if fractions else 1
    fig, axes = plt.subplots(rows, 1, figsize=(8, 4.5 + 2.5 * (rows - 1)), sharex=True,
                             gridspec_kw={"height_ratios": [3, 1.4][:rows]}, squeeze=False)
    ax = axes[0][0]
    colors = {}
    for name, points in curves.items():
        if points:
            (line,) = ax.plot(*zip(*points), marker=".", label=name)
            colors[name] = line.get_color()
    if reference is not None:
        ax.axhline(reference, color="grey", ls="--", lw=1, label="baseline final loss")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    if fractions:
        fx = axes[1][0]
        for name, points in fractions.items():
            if points:
                fx.step(*zip(*points), where="post", color=colors.get(name), label=name)
        fx.set_ylabel("data in use")
        fx.set_ylim(0, 1.05)
    axes[-1][0].set_xlabel("step")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)
