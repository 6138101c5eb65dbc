"""Library verbosity for command-line runs: one line per phase and our own tables, not every library's notes."""

from __future__ import annotations


def quiet_libraries() -> None:
    """transformers' per-model notes ("newly initialized head", expected here) and the progress bars of every
    weight load and ``map`` are silenced; our commands print one bar or one line per phase instead."""
    import datasets
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    datasets.disable_progress_bars()
