"""Curriculum learning: difficulty scorers, pacing, and the CurriculumTrainer."""

from .pacing import PACINGS, SHAPES, CompetencePacing
from .sampler import CurriculumSampler, CurriculumState
from .scoring import SCORERS, Documents, register_scorer
from .trainer import CurriculumArguments, CurriculumConfig, CurriculumMixin, CurriculumTrainer


def __getattr__(name):  # trl is imported only when the SFT classes are used
    if name in ("CurriculumSFTTrainer", "CurriculumSFTConfig"):
        from . import trainer

        return getattr(trainer, name)
    raise AttributeError(name)


__all__ = ["PACINGS", "SCORERS", "SHAPES", "CompetencePacing", "CurriculumArguments", "CurriculumConfig",
           "CurriculumMixin", "CurriculumSFTConfig", "CurriculumSFTTrainer", "CurriculumSampler", "CurriculumState",
           "CurriculumTrainer", "Documents", "register_scorer"]
