"""Plain-text tables for the command line's summaries (one formatter for every table we print)."""

from __future__ import annotations


def text_table(head, body, numbers_right: bool = False) -> str:
    """``head`` and ``body`` rows as aligned columns under a dashed rule; the first column is left-aligned, the
    others too unless ``numbers_right``."""
    rows = [[str(c) for c in head]] + [[str(c) for c in r] for r in body]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(cells):
        return "  ".join(c.rjust(w) if numbers_right and i else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(rows[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in rows[1:]])


def markdown_table(head, body) -> str:
    """``head`` and ``body`` rows as a Markdown table (for report pages)."""
    out = ["| " + " | ".join(str(c) for c in head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(out)
