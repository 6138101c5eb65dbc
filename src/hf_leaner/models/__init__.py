"""Models: the four families' presets (``presets``, no torch), configs and models built from them (``build``),
the Mamba2 classification head, and tokenizer training. Names load on first use, so the command line can read
the presets before torch is imported."""

import importlib

_LAZY = {
    **dict.fromkeys(("ARCHITECTURES", "OBJECTIVE", "PAPER_CONFIGS", "parse_size"), ".presets"),
    **dict.fromkeys(("build_model", "count_parameters", "make_config", "model_class", "paper_config", "position_limit"), ".build"),
    **dict.fromkeys(("compare_tokenizers", "load_tokenizer", "train_tokenizer"), ".tokenizer"),
    "Mamba2ForSequenceClassification": ".mamba2_classifier",
    "load_model_and_tokenizer": ".loading",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = list(_LAZY)
