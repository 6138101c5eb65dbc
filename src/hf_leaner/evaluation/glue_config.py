"""GLUE evaluation's settings, without torch: :class:`GlueArguments`, the published recipes (``PRESETS``) and
where a grid cell's result lives (:func:`cell_path`).

    >>> args = GlueArguments(model="outputs/pretrain", tasks=["cola", "rte"], preset="tinyhelen")
    >>> args.epochs("cola")
    30.0

The command line builds and checks these before torch is imported; :func:`hf_leaner.evaluation.glue.run_glue`
runs them; :mod:`hf_leaner.evaluation.glue_report` reads the cells back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hf_leaner.data.glue_tasks import DEFAULT_TASKS, GLUE_TASKS
from hf_leaner.utils.args import (arg, at_least, csv_list, epochs, nonnegative_float, positive_float, positive_int,
                                  writable_output)
from hf_leaner.utils.errors import LeanerDataError
from hf_leaner.utils.io import model_digest
from hf_leaner.utils.parallel import available_cores

# The two published recipes, restated as settings (facts from the TinyHelen scripts and the BabyLM 2025 pipeline).
# TinyHelen's per-task epochs live in the task table (GlueTask.epochs).
PRESETS = {
    "cpu": dict(learning_rates=[1e-3], seeds=[1], batch_size=32, max_length=128, epochs={}, num_train_epochs=3.0,
                warmup_ratio=0.06, lr_scheduler_type="linear", weight_decay=0.0, max_train_examples={}),
    "tinyhelen": dict(learning_rates=[1e-3], seeds=[1, 53, 65, 256, 9264], batch_size=256, max_length=256,
                      epochs={t.name: t.epochs for t in GLUE_TASKS.values() if t.epochs is not None},
                      num_train_epochs=3.0, warmup_ratio=0.0, lr_scheduler_type="linear", weight_decay=0.0,
                      max_train_examples={}),
    "babylm": dict(learning_rates=[3e-5], seeds=[1], batch_size=32, max_length=256, epochs={}, num_train_epochs=10.0,
                   warmup_ratio=0.06, lr_scheduler_type="cosine", weight_decay=0.01,
                   max_train_examples={"mnli": 10_000, "qqp": 10_000}, average="babylm"),
}
AVERAGE_KINDS = ("glue", "babylm")  # defined in glue_metrics.AVERAGES (that module needs scipy/sklearn)


@dataclass
class GlueArguments:
    """What to evaluate (model, data, tasks), the grid (learning rates x seeds) and the fine-tuning recipe.

    Recipe fields left at ``None`` take the preset's value (``cpu`` by default: small enough for a laptop).
    """

    # model and data
    model: str | None = arg(None, help="a folder written by `hf-leaner pretrain`, or a Hub id", positional=True,
                            nargs="?")
    from_scratch: bool = arg(False, help="the same config and tokenizer with random weights (CONFIG: a model folder or "
                             "Hub id; bare flag: MODEL's)", value=str, metavar="CONFIG")
    data: str = arg("sample", help="a TinyHelen release copy (default: the embedded sample)", aliases=("--data_dir",))
    tasks: list[str] = arg(default_factory=lambda: list(DEFAULT_TASKS), value=csv_list(str, GLUE_TASKS, "GLUE task"),
                           nargs=None, help=f"comma-separated, from {','.join(GLUE_TASKS)} (default: all but wnli)")
    output_dir: str = arg("outputs/eval-glue", help="where the cells, results.json and results.md go",
                          aliases=("--output",), value=writable_output)
    # grid and recipe
    preset: str = arg("cpu", help="recipe defaults: cpu (LR 1e-3, 1 seed, 3 epochs, batch 32, length 128), tinyhelen "
                      "(the paper's scripts), babylm (the BabyLM 2025 pipeline)", choices=tuple(PRESETS))
    learning_rates: list[float] | None = arg(None, help="learning rates of the grid, comma-separated (default: the "
                                             "preset's)", value=csv_list(positive_float), nargs=None)
    seeds: list[int] | None = arg(None, help="seeds of the grid, comma-separated (default: the preset's)",
                                  value=csv_list(int), nargs=None)
    num_train_epochs: float | None = arg(None, help="every task (default: the preset's per task)", value=epochs)
    batch_size: int | None = arg(None, help="train batch size (default: the preset's)", value=positive_int)
    max_length: int | None = arg(None, help="tokens per example, truncated beyond (default: the preset's)",
                                 value=at_least(8, "tokens per example"))
    warmup_ratio: float | None = arg(None, help="warmup (default: the preset's)")
    lr_scheduler_type: str | None = arg(None, help="learning-rate schedule (default: the preset's)")
    weight_decay: float | None = arg(None, help="weight decay (default: the preset's)")
    max_train_examples: int | None = arg(None, help="subsample each train split to this", value=positive_int)
    average: str = arg("glue", help="glue or babylm (the preset may set it)", choices=AVERAGE_KINDS)
    save_models: bool = arg(False, help="keep each fine-tuned model under OUT/models/")
    progress: bool | None = arg(None, help="a bar (TTY) or a line per cell; None: decide")
    workers: int = arg(default_factory=available_cores, value=positive_int,
                       help="cells fine-tuned at once, one process of one thread each (default: the cores available; "
                            "results as one process gives them)")

    def __post_init__(self):
        if isinstance(self.from_scratch, str):  # --from_scratch CONFIG: that model's config, random weights
            if self.model:
                raise LeanerDataError(f"give MODEL ({self.model}) or --from_scratch CONFIG ({self.from_scratch}), "
                                      "not both")
            self.model, self.from_scratch = self.from_scratch, True
        if self.preset not in PRESETS:
            raise LeanerDataError(f"--preset {self.preset!r}: choose one of {', '.join(PRESETS)}")
        if not self.model:
            raise LeanerDataError("eval-glue needs MODEL (a pretrain output folder or Hub id) or --from_scratch CONFIG")
        bad = [t for t in self.tasks if t not in GLUE_TASKS]
        if bad:
            raise LeanerDataError(f"--tasks: unknown {', '.join(bad)}; choose from {', '.join(GLUE_TASKS)}")
        preset = PRESETS[self.preset]
        for name in ("learning_rates", "seeds", "batch_size", "max_length", "warmup_ratio", "lr_scheduler_type",
                     "weight_decay"):
            if getattr(self, name) is None:
                setattr(self, name, preset[name])
        if self.preset == "babylm" and self.average == "glue":
            self.average = "babylm"

    def epochs(self, task: str) -> float:
        return self.num_train_epochs if self.num_train_epochs is not None else \
            float(PRESETS[self.preset]["epochs"].get(task, PRESETS[self.preset]["num_train_epochs"]))

    def train_limit(self, task: str) -> int | None:
        return self.max_train_examples or PRESETS[self.preset]["max_train_examples"].get(task)

    def cell_settings(self, task: str, lr: float, seed: int) -> dict:
        """Everything a cell's result depends on: a stored cell is reused only when these match."""
        return {"model": self.model, "weights": model_digest(self.model), "from_scratch": self.from_scratch,
                "data": str(self.data), "task": task,
                "learning_rate": lr, "seed": seed, "epochs": self.epochs(task), "batch_size": self.batch_size,
                "max_length": self.max_length, "warmup_ratio": self.warmup_ratio,
                "lr_scheduler_type": self.lr_scheduler_type, "weight_decay": self.weight_decay,
                "max_train_examples": self.train_limit(task)}


def cell_path(out: Path, task: str, lr: float, seed: int) -> Path:
    """Where the (task, learning rate, seed) cell's record is written by ``run_glue`` and read by the report."""
    return out / "cells" / task / f"lr{lr:g}_seed{seed}.json"


def id2label(task: str) -> dict[int, str] | None:
    """A fine-tuned classifier's ``config.id2label`` (class names on its card and in pipelines); None for STS-B."""
    names = GLUE_TASKS[task].label_names
    return None if names is None else dict(enumerate(names))
