"""``ArchitecturesArguments``: the settings (and command-line flags) of ``hf-leaner experiment architectures``.

No torch, transformers or datasets here: the command line builds and checks it in the first second;
:mod:`hf_leaner.experiments.architectures` runs it (``run_architectures``).
"""

from __future__ import annotations

from dataclasses import dataclass

from hf_leaner.evaluation import TASKS
from hf_leaner.models.presets import ARCHITECTURES

from .zero_shot_columns import OWN, ZERO_SHOT_HELP, check_zero_shot
from hf_leaner.utils import args as checks
from hf_leaner.data.sources import check_data_source
from hf_leaner.utils.args import arg, csv_list
from hf_leaner.utils.parallel import available_cores

GLUE_PRESETS = ("cpu", "tinyhelen", "babylm")  # evaluation.glue.PRESETS' names, read without importing torch


def glue_task_list(text: str) -> list[str]:
    """``--glue_tasks``: comma-separated task names, or ``none`` (no GLUE stage: an empty list)."""
    return [] if text.strip().lower() == "none" else csv_list(str, TASKS, "GLUE task")(text)


@dataclass
class ArchitecturesArguments:
    """EXP1: each family pretrained on LEANER and on ORIGINAL (equal tokens, same initial weights, several seeds), read
    beside its untrained weights on zero-shot grammar, bits per character on both validation texts and LEANER-GLUE.

    Groups: data, model (families, size, tokenizer), pretraining, GLUE, output.
    """

    # data
    data: str = arg("sample", aliases=("--data_dir",), help="'sample', a release copy or a published corpus folder")
    data_config: str = arg("leaner-10M-all", help="the LEANER config; ORIGINAL is the same with original-")
    on_corrupt: str = arg("raise", choices=("raise", "warn"), help="a truncated .zst shard of a release copy: stop, "
                          "or keep its complete lines and say so")
    # model
    families: list[str] = arg(default_factory=lambda: list(ARCHITECTURES), nargs=None,
                              value=csv_list(str, ARCHITECTURES, "model family"),
                              help="comma-separated (default: " + ",".join(ARCHITECTURES) + ")")
    model_size: str = arg("1M", aliases=("--size",), value=checks.model_size,
                          help="non-embedding parameters of every family: 1M, 500K, 14M, ...")
    vocab_size: int = arg(2000, value=checks.vocab_size, help="tokens in each family's BPE tokenizer")
    block_size: int = arg(128, value=checks.block_size, help="tokens per training block")
    # pretraining
    steps: int = arg(300, value=checks.steps, help="optimizer steps")
    batch_size: int = arg(16, value=checks.positive_int, help="blocks per optimizer step")
    learning_rate: float = arg(3e-3, value=checks.positive_float, help="peak learning rate (cosine decay)")
    seeds: tuple[int, ...] = arg((1, 2, 3), value=csv_list(int), nargs=None, aliases=("--seed",),
                                 help="pretraining seeds, comma-separated: each arm once per seed, started from the "
                                      "same random weights as the other arm (default 1,2,3)")
    # GLUE
    glue_tasks: list[str] | None = arg(None, value=glue_task_list, nargs=None,
                                       help="comma-separated, or none (default every task with a train split)")
    glue_preset: str = arg("cpu", choices=GLUE_PRESETS, help="fine-tuning recipe defaults (see eval-glue --preset)")
    glue_seeds: list[int] | None = arg(None, value=csv_list(int), nargs=None, help="default the preset's")
    glue_epochs: float | None = arg(None, value=checks.positive_float, help="default the preset's")
    glue_max_train_examples: int | None = arg(None, value=checks.positive_int, help="subsample each train split")
    # validation loss per character
    bpc_chars_per_genre: int = arg(8_000, value=checks.positive_int, help="validation text per genre, in characters, "
                                   "scored in bits per character on both corpora by every model")
    # zero-shot grammar
    zero_shot: list[str] = arg(help=ZERO_SHOT_HELP + " (own: the words both arms, LEANER and ORIGINAL, were trained on)",
                               default_factory=lambda: [OWN], nargs="+")
    zero_shot_pairs: int | None = arg(None, value=checks.positive_int, help="with --zero_shot: at most N pairs per "
                                      "paradigm (a seeded subset; default all)")
    # where it runs
    workers: int = arg(default_factory=available_cores, value=checks.positive_int,
                       help="pretraining runs and GLUE cells at once, one process of one thread each (default: the "
                            "cores available; results as one process gives them)")
    # output
    output_dir: str = arg("outputs/experiment", aliases=("--output",), value=checks.writable_output,
                          help="report.md, architectures.json, architectures.md, the plot, and one folder per model "
                               "(FAMILY/{leaner,original,untrained}/seedS; a rerun reuses finished ones)")

    def __post_init__(self):
        self.families, self.seeds = list(self.families), tuple(self.seeds)
        check_data_source(self.data, self.data_config)
        check_zero_shot(self.zero_shot)
