"""Curriculum learning on the Trainer: difficulty scorers, pacing, the sampler, and the trainers.

``CurriculumConfig``/``CurriculumTrainer`` (transformers) and ``CurriculumSFTConfig``/``CurriculumSFTTrainer``
(trl, imported on first use); the state of a run lives in ``CurriculumCallback``.
"""

import importlib

from .callback import CurriculumCallback
from .config import CurriculumArguments, CurriculumConfig
from .pacing import PACING_SHAPES, PACINGS, SHAPES, CompetencePacing, register_pacing
from .sampler import CurriculumSampler, RowUnits
from .scoring import SCORERS, Documents, register_scorer
from .trainer import CurriculumMixin, CurriculumTrainer

_LAZY = {"CurriculumSFTTrainer": ".sft", "CurriculumSFTConfig": ".sft"}  # trl is imported only when asked for


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PACING_SHAPES", "PACINGS", "SCORERS", "SHAPES", "CompetencePacing", "CurriculumArguments", "CurriculumCallback",
           "CurriculumConfig", "CurriculumMixin", "CurriculumSFTConfig", "CurriculumSFTTrainer", "CurriculumSampler",
           "CurriculumTrainer", "Documents", "RowUnits", "register_pacing", "register_scorer"]
