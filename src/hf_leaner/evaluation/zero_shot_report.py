"""The zero-shot results as a person reads them: ``results.md`` (one table for all models, then one per suite by
phenomenon) and ``zero_shot.png`` (accuracy per phenomenon, with chance and BLiMP's 5-gram floor drawn)."""

from __future__ import annotations

from pathlib import Path

from hf_leaner.utils.io import write_atomic
from hf_leaner.utils.tables import markdown_table, text_table


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}"


def summary_rows(results: dict) -> tuple[tuple, list[tuple]]:
    """(header, rows): one row per model and suite — the table the CLI prints and results.md opens with."""
    header = ("model", "suite", "accuracy", "LEANER view", "LEANER pairs", "pairs", "ties", "identical", "seconds")
    rows = []
    for model, entry in results["models"].items():
        for suite, s in entry["suites"].items():
            rows.append((model, suite, _pct(s["accuracy"]), _pct(s["leaner_view"]["accuracy"]),
                         f"{s['leaner_view']['pairs']:,}", f"{s['pairs']:,}", str(s["ties"]), str(s["identical"]),
                         f"{s['seconds']:.1f}"))
    return header, rows


def format_markdown(results: dict) -> str:
    protocol = results["protocol"]
    models = list(results["models"])
    lines = ["# Zero-shot minimal pairs", ""]
    if protocol["max_pairs_per_paradigm"]:
        lines += [f"**A subset**: at most {protocol['max_pairs_per_paradigm']} pairs per paradigm (seed "
                  f"{protocol['seed']}), not the full suites.", ""]
    header, rows = summary_rows(results)
    lines += ["Accuracy in % (mean over paradigms, ties counted half).", "", markdown_table(header, rows), ""]
    for suite, refs in protocol["references"].items():
        lines.append(f"{suite} reference points: " + ", ".join(f"{k} {100 * v:.1f}" for k, v in refs.items()))
    lines.append("")
    for suite in protocol["suites"]:
        phenomena = sorted({ph for m in models for ph in results["models"][m]["suites"][suite]["phenomena"]})
        table = [(ph, *(f"{_pct(_phen(results, m, suite, ph)['accuracy'])} / "
                        f"{_pct(_phen(results, m, suite, ph)['leaner_accuracy'])}" for m in models))
                 for ph in phenomena]
        lines += [f"## {suite}: accuracy / LEANER view by phenomenon", "", markdown_table(("phenomenon", *models),
                  table), ""]
    lines += ["## Protocol", ""] + [f"- {k}: {v}" for k, v in protocol.items() if isinstance(v, str)] + [""]
    for suite in protocol["suites"]:
        first = results["models"][models[0]]["suites"][suite]["paradigms"]
        table = [(paradigm, p["phenomenon"], str(p["pairs"]), str(p["leaner"]["pairs"]),
                  *(_pct(results["models"][m]["suites"][suite]["paradigms"][paradigm]["accuracy"]) for m in models))
                 for paradigm, p in first.items()]
        lines += [f"## {suite}: every paradigm (accuracy %)", "",
                  markdown_table(("paradigm", "phenomenon", "pairs", "LEANER pairs", *models), table), ""]
    return "\n".join(lines) + "\n"


def _phen(results, model, suite, phenomenon) -> dict:
    return results["models"][model]["suites"][suite]["phenomena"].get(phenomenon,
                                                                      {"accuracy": None, "leaner_accuracy": None})


def plot(results: dict, path: Path) -> None:
    """Horizontal bars: accuracy per phenomenon, one bar per model, one panel per suite."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    suites = list(results["protocol"]["suites"])
    models = list(results["models"])
    heights = [len(results["models"][models[0]]["suites"][s]["phenomena"]) for s in suites]
    fig, axes = plt.subplots(len(suites), 1, figsize=(8, 1.2 + 0.28 * sum(heights) * max(1, len(models) / 2)),
                             squeeze=False, gridspec_kw={"height_ratios": heights})
    width = 0.8 / len(models)
    for ax, suite in zip(axes[:, 0], suites):
        phenomena = sorted(results["models"][models[0]]["suites"][suite]["phenomena"])
        for k, model in enumerate(models):
            values = [100 * (_phen(results, model, suite, ph)["accuracy"] or 0) for ph in phenomena]
            ax.barh([i + k * width for i in range(len(phenomena))], values, height=width, label=model)
        ax.set_yticks([i + width * (len(models) - 1) / 2 for i in range(len(phenomena))], phenomena, fontsize=8)
        for name, value in results["protocol"]["references"].get(suite, {}).items():
            if name in ("chance", "5-gram"):
                ax.axvline(100 * value, color="black" if name == "chance" else "gray", linestyle="--", linewidth=1,
                           label=f"{name} ({100 * value:.1f})")
        ax.set_xlim(0, 100)
        ax.invert_yaxis()
        ax.set_title(f"{suite}: accuracy by phenomenon (%)", fontsize=10)
    for ax in axes[:, 0]:
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(results: dict, out: Path) -> None:
    write_atomic(out / "results.md", format_markdown(results))
    plot(results, out / "zero_shot.png")


def print_summary(results: dict) -> None:
    header, rows = summary_rows(results)
    print(text_table(header, rows))
