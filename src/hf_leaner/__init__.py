"""hf-leaner: tiny language models in a simpler language environment, on the Hugging Face stack."""

__version__ = "0.1.0"

_LAZY = {"load_leaner": "hf_leaner.data.corpora", "LeanerDataError": "hf_leaner.data.release",
         "CurriculumTrainer": "hf_leaner.curriculum", "CurriculumConfig": "hf_leaner.curriculum",
         "make_config": "hf_leaner.models.build", "train_tokenizer": "hf_leaner.models.tokenizer",
         "Mamba2ForSequenceClassification": "hf_leaner.models.mamba2_classifier"}  # importing it registers the Auto class


def __getattr__(name):  # import on first use: `import hf_leaner` stays fast and light
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hf_leaner' has no attribute {name!r}")


__all__ = ["__version__", *_LAZY]
