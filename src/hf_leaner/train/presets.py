"""Recipes for ``hf-leaner pretrain --preset NAME``: flags placed before the user's own (which win).

* ``cpu`` (the default): a learning rate that trains a tiny model in a few hundred steps (3e-3, cosine,
  5% warm-up; transformers' own default, 5e-5, made for fine-tuning, leaves it near the unigram loss), and all the
  data in random order: no curriculum unless a ``--pacing`` asks for one (CLIMB's first lesson: that baseline).
* ``tinyhelen``: the paper's pretraining run (its public scripts): LLaMA-1M, the release's 2K tokenizer,
  the natural genres, 512 sequences x 1,024 tokens per step (64 x 8 gradient accumulation), 2,500 steps,
  LR 1e-2 with 100 warm-up steps and linear decay to 0, evaluation every 20 steps, the iterative pacing
  with patience 1, threshold 0 and +5% of the data at every evaluation without improvement. One command
  on a GPU.
* ``none``: no recipe: ``CurriculumConfig``'s own defaults (``TrainingArguments``', except a learning rate of 3e-3).

No heavy import here: the command line reads it before torch is loaded.
"""

from __future__ import annotations

from pathlib import Path

PRESETS = {
    "none": [],
    "cpu": ["--learning_rate", "3e-3", "--lr_scheduler_type", "cosine", "--warmup_steps", "0.05",
            "--weight_decay", "0.01", "--pacing", "none"],
    "tinyhelen": ["--arch", "llama", "--size", "paper-1M", "--data_config", "leaner-100M-all", "--vocab_size", "2000",
                  "--block_size", "1024", "--per_device_train_batch_size", "64", "--gradient_accumulation_steps", "8",
                  "--max_steps", "2500", "--learning_rate", "1e-2", "--warmup_steps", "100",
                  "--lr_scheduler_type", "linear", "--eval_strategy", "steps", "--eval_steps", "20",
                  "--logging_steps", "20", "--curriculum_eval_steps", "20", "--pacing", "iterative",
                  "--patience", "1", "--threshold", "0", "--increment", "0.05", "--start_fraction", "0.05",
                  "--save_strategy", "steps", "--save_steps", "500"],
}


def preset_flags(name: str, data: str | None) -> list[str]:
    """The preset's flags; ``tinyhelen`` reads the release's own 2K tokenizer when ``data`` is a release copy."""
    flags = list(PRESETS[name])
    tokenizer = Path(data or "", "tokenizer", "gpt-2K")
    if name == "tinyhelen" and data and (tokenizer / "tokenizer.json").is_file():
        flags += ["--tokenizer", str(tokenizer)]
    return flags
