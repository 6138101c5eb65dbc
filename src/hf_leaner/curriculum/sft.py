"""``CurriculumSFTTrainer`` / ``CurriculumSFTConfig``: the curriculum mixed into trl's ``SFTTrainer``.

    from hf_leaner.curriculum import CurriculumSFTConfig, CurriculumSFTTrainer

    args = CurriculumSFTConfig(output_dir="sft", max_steps=500, difficulty="sentence_length", pacing="linear")
    CurriculumSFTTrainer(model=model, args=args, train_dataset=rows, processing_class=tokenizer).train()

Both are ordinary module-level classes, so checkpoints and ``save_model`` can pickle the config; the
package ``__init__`` imports this module (and trl) only when one of them is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from trl import SFTConfig, SFTTrainer

from .config import CurriculumArguments
from .scoring import Documents
from .trainer import CurriculumMixin, as_curriculum_config


@dataclass
class CurriculumSFTConfig(CurriculumArguments, SFTConfig):
    """trl's ``SFTConfig`` plus the curriculum's settings (see :class:`CurriculumArguments`)."""

    def __post_init__(self):
        self._curriculum_post_init(super().__post_init__)
        if self.packing:
            raise ValueError("packing=True: SFT packing merges several rows into one example, while the curriculum "
                             "orders rows; use packing=False")


class CurriculumSFTTrainer(CurriculumMixin, SFTTrainer):
    """trl's ``SFTTrainer`` with a data curriculum over its rows (one example per document)."""

    def __init__(self, model, args: CurriculumSFTConfig | None = None, *trainer_args, documents: Documents | None = None,
                 curriculum_eval_dataset=None, **kwargs):
        super().__init__(model, as_curriculum_config(args, CurriculumSFTConfig), *trainer_args, **kwargs)
        self._init_curriculum(documents, curriculum_eval_dataset)
