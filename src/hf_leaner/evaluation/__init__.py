"""Evaluation stage: LEANER-GLUE fine-tuning (``run_glue``), its metrics and report."""

from hf_leaner.data.glue_tasks import TASKS  # GLUE's nine, from the task table (no torch)

_LAZY = {"GlueArguments": "hf_leaner.evaluation.glue_config", "run_glue": "hf_leaner.evaluation.glue",
         "PRESETS": "hf_leaner.evaluation.glue_config", "task_metrics": "hf_leaner.evaluation.glue_metrics",
         "average": "hf_leaner.evaluation.glue_metrics"}


def __getattr__(name):  # import on first use: the torch/transformers stack loads only when needed
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hf_leaner.evaluation' has no attribute {name!r}")


__all__ = ["TASKS", *_LAZY]
