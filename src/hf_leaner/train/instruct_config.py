"""``InstructArguments``: the settings (and command-line flags) of ``hf-leaner instruct``. No torch, transformers
or datasets here: the command line builds and checks it in the first second; :mod:`hf_leaner.train.instruct` runs
it (``instruct``). Why the defaults suit a 1M-20M-parameter model on a CPU: see that module's docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hf_leaner.utils import args as checks
from hf_leaner.utils.args import arg
from hf_leaner.utils.errors import UsageError

LORA_ALPHA = 16  # the LoRA scale; a different one only means something with --lora_r
SCORERS = ("random", "sentence_length", "self_loss", "lm_loss")  # the difficulties that order instruction records


@dataclass
class InstructArguments:
    """Groups: model and data, schedule, LoRA, curriculum, output."""

    # model and data
    model: str = arg(positional=True, value=checks.folder_or_hub_id,
                     help="a folder written by `hf-leaner pretrain` (any causal LM folder), or a Hub id")
    output_dir: str = arg(aliases=("--output",), value=checks.writable_output, required=True,
                          help="the tuned (LoRA merged) model, its tokenizer and hf_leaner_instruct.json")
    data: str = arg("sample", aliases=("--data_dir",),
                    help="'sample' (LEANER-Instruct sample), 'sample-original' (its alpaca-shaped twin), a release "
                         "copy, a .json/.jsonl/.parquet file (instruction/input/output or chat messages) or a "
                         "datasets id")
    max_train_examples: int | None = arg(None, value=checks.positive_int, help="subsample the train split")
    # schedule
    max_steps: int | None = arg(None, aliases=("--steps",), value=checks.positive_int,
                                help="default: --num_train_epochs passes")
    num_train_epochs: float = arg(3.0, value=checks.epochs, help="passes over the train split")
    batch_size: int = arg(16, value=checks.positive_int, help="records per optimizer step")
    learning_rate: float = arg(1e-3, value=checks.positive_float, help="1e-3 suits 1M-20M models (see "
                               "train/instruct.py)")
    max_length: int = arg(256, value=checks.at_least(8, "tokens per example"), help="tokens per record, at most")
    seed: int = arg(42, value=checks.nonnegative_int, help="the run's seed")
    # LoRA
    lora_r: int = arg(0, value=checks.nonnegative_int, help="LoRA rank (0: full fine-tuning); merged when saved")
    lora_alpha: int = arg(LORA_ALPHA, value=checks.positive_int, help="LoRA scale (with --lora_r)")
    lora_dropout: float = arg(0.05, help="LoRA dropout (Python only)")
    # curriculum
    curriculum: str | None = arg(None, choices=SCORERS,
                                 help="order the records with this difficulty (CurriculumSFTTrainer, linear pacing)")
    pacing: str = arg("linear", help="the curriculum's pacing (Python only)")
    # output
    progress: bool = arg(False, help="a progress bar (the command line sets it when nothing is logged)")
    quiet: bool = arg(False, help="no per-log dict lines (inside a bigger job's log)")

    def __post_init__(self):
        if self.lora_r == 0 and self.lora_alpha != LORA_ALPHA:
            raise UsageError("--lora_alpha only applies with --lora_r R (R > 0)")
        if Path(self.model).is_dir():  # the tuned model would replace the pretrained one it starts from
            checks.check_apart(self.output_dir, [self.model], flag="--output_dir")
        data = self.data
        if data not in ("sample", "sample-original") and (data.startswith((".", "/", "~")) or Path(data).suffix):
            if not Path(data).expanduser().exists():
                raise UsageError(f"--data {data}: no such file or folder")
