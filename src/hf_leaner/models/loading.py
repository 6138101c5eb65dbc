"""Loading a trained causal LM and its tokenizer for generation or instruction tuning.

    >>> model, tokenizer = load_model_and_tokenizer("outputs/pretrain")

Used by ``train.instruct`` (to fine-tune) and ``evaluation.generate`` (to answer prompts), so it lives below both.
"""

from __future__ import annotations

from pathlib import Path

NOT_LEFT_TO_RIGHT = ("bert", "xlnet", "roberta", "deberta-v2")  # encoders: no left-to-right generation


def check_model_folder(source: str, weights: bool = True) -> None:
    """One clear line for a model that is neither a model folder (``config.json`` and, unless ``weights=False``,
    weights) nor a Hub id whose config loads; before any output is written."""
    from transformers import AutoConfig

    from hf_leaner.utils.errors import LeanerDataError
    from hf_leaner.utils.io import weight_files

    path = Path(source)
    if path.exists() and not (path / "config.json").is_file():
        raise LeanerDataError(f"MODEL {source}: no config.json in that folder (give a folder written by "
                              "`hf-leaner pretrain` or a Hub id)")
    if weights and path.is_dir() and not weight_files(path):
        raise LeanerDataError(f"MODEL {source}: a config.json but no weights (*.safetensors or pytorch_model.bin); "
                              "a training run still in progress?")
    try:
        AutoConfig.from_pretrained(source)
    except (OSError, ValueError) as e:
        raise LeanerDataError(f"MODEL {source}: cannot load a config ({str(e).splitlines()[0]})") from None


def load_model_and_tokenizer(name: str):
    """A causal LM folder or Hub id -> (model, tokenizer with an EOS token and a pad token)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    from hf_leaner.models.tokenizer import load_tokenizer

    check_model_folder(name)
    config = AutoConfig.from_pretrained(name)
    if config.model_type in NOT_LEFT_TO_RIGHT:
        raise ValueError(f"{name}: a {config.model_type} model does not generate left to right; instruction tuning "
                         "takes a causal LM (llama, mamba2, ... from `hf-leaner pretrain --arch llama`)")
    model = AutoModelForCausalLM.from_pretrained(name)
    tokenizer = load_tokenizer(name)
    if tokenizer.eos_token is None:
        raise ValueError(f"{name}: its tokenizer has no EOS token; the tuned model could not learn to stop")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer
