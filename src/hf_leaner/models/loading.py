"""Loading a trained causal LM and its tokenizer for generation or instruction tuning.

    >>> model, tokenizer = load_model_and_tokenizer("outputs/pretrain")

Used by ``train.instruct`` (to fine-tune) and ``evaluation.generate`` (to answer prompts), so it lives below both.
"""

from __future__ import annotations

NOT_LEFT_TO_RIGHT = ("bert", "xlnet", "roberta", "deberta-v2")  # encoders: no left-to-right generation


def load_model_and_tokenizer(name: str):
    """A causal LM folder or Hub id -> (model, tokenizer with an EOS token and a pad token)."""
    from transformers import AutoConfig, AutoModelForCausalLM

    from hf_leaner.models.tokenizer import load_tokenizer

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
