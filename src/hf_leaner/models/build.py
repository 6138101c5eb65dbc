"""Tiny model presets for the paper's four families: BERT (MLM), LLaMA (CLM), XLNet (PLM), Mamba2 (CLM).

``make_config("llama", "14M")`` returns a plain transformers config whose model has 14M
**non-embedding** parameters (within 5%), as the paper counts model size: every parameter except the
token (and position / token-type) embeddings and the output projection onto the vocabulary. The
shapes follow the proportions of the paper's configurations (FFN = 4 x hidden, head size 32-64).
``paper_config("llama-1M")`` returns the paper's exact configuration. Both are ordinary configs:
``AutoModelFor...from_config`` builds them, and they save, load and push like any other.
"""

from __future__ import annotations

import math

import torch
from transformers import (AutoModelForCausalLM, AutoModelForMaskedLM, BertConfig, LlamaConfig, Mamba2Config,
                          PretrainedConfig, XLNetConfig, XLNetLMHeadModel)

from .presets import ARCHITECTURES, OBJECTIVE, PAPER_CONFIGS, parse_size

def count_parameters(model: torch.nn.Module) -> dict:
    """``{"total", "embedding", "non_embedding"}``; embeddings are every ``nn.Embedding`` plus the LM output
    projection (when it is not tied to the input embedding)."""
    total = sum(p.numel() for p in model.parameters())
    seen, emb = set(), 0
    modules = [m for m in model.modules() if isinstance(m, torch.nn.Embedding)]
    out = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    if out is not None:
        modules.append(out)
    for m in modules:
        for p in m.parameters(recurse=False):
            if id(p) not in seen and p.dim() == 2:  # weights only: an output bias stays "non-embedding"
                seen.add(id(p))
                emb += p.numel()
    return {"total": total, "embedding": emb, "non_embedding": total - emb}


def _special_ids(tokenizer, arch: str) -> dict:
    if tokenizer is None:
        return {}
    ids = {"pad_token_id": tokenizer.pad_token_id, "bos_token_id": tokenizer.bos_token_id,
           "eos_token_id": tokenizer.eos_token_id}
    return {k: v for k, v in ids.items() if v is not None}


def _build(arch: str, vocab_size: int, max_length: int, tokenizer=None, **shape) -> PretrainedConfig:
    special = _special_ids(tokenizer, arch)
    if arch == "llama":
        return LlamaConfig(vocab_size=vocab_size, max_position_embeddings=max(max_length, shape.pop("max_position_embeddings", 0)),
                           tie_word_embeddings=False, rms_norm_eps=1e-5, **special, **shape)
    if arch == "bert":
        return BertConfig(vocab_size=vocab_size, max_position_embeddings=max(max_length, shape.pop("max_position_embeddings", 0)),
                          **special, **shape)
    if arch == "xlnet":
        d_model, n_head = shape["d_model"], shape["n_head"]
        return XLNetConfig(vocab_size=vocab_size, d_head=d_model // n_head, attn_type="bi", mem_len=None, **special, **shape)
    if arch == "mamba2":
        hidden, head_dim, expand = shape["hidden_size"], shape["head_dim"], shape.get("expand", 2)
        return Mamba2Config(vocab_size=vocab_size, num_heads=hidden * expand // head_dim, tie_word_embeddings=False,
                            **special, **shape)
    raise ValueError(f"architecture {arch!r}: choose one of {', '.join(ARCHITECTURES)}")


def position_limit(config: PretrainedConfig) -> int | None:
    """The most token positions a model reads, or None when it has no limit: Mamba2 has no positions, and XLNet's
    relative positions none either (its config answers ``max_position_embeddings`` with -1)."""
    positions = getattr(config, "max_position_embeddings", None)
    return positions if positions is not None and positions > 0 else None


def model_class(arch: str):
    return {"llama": AutoModelForCausalLM, "mamba2": AutoModelForCausalLM, "bert": AutoModelForMaskedLM,
            "xlnet": XLNetLMHeadModel}[arch]


def build_model(config: PretrainedConfig, seed: int | None = None) -> torch.nn.Module:
    if seed is not None:
        torch.manual_seed(seed)
    if config.model_type not in ARCHITECTURES:
        raise KeyError(config.model_type)
    arch = config.model_type
    cls = model_class(arch)
    return cls(config) if cls is XLNetLMHeadModel else cls.from_config(config)


def _non_embedding(config: PretrainedConfig) -> int:
    with torch.device("meta"):
        return count_parameters(build_model(config))["non_embedding"]


def _candidates(arch: str, target: int):
    """Shapes in the paper's proportions whose closed-form size estimate is near ``target``, nicest first:
    width/depth near the paper's (~40 for transformers, wider for Mamba2), head size 32 or 64, even heads."""
    cands = []
    for layers in range(2, 17):
        if arch == "mamba2":
            for head_dim in (32, 64):
                for h in range(64, 2049, 32):
                    state = 64 if h < 256 else 128
                    # per layer: in/out projections ~6h^2, B/C projections 2*state*h, conv and SSM vectors
                    est = layers * (6 * h * h + 2 * state * h + 12 * h + 10 * state)
                    if (2 * h) % head_dim == 0:
                        nice = abs(math.log(h / layers / 64)) + (0.3 if head_dim != 64 else 0)
                        cands.append((est, nice, dict(hidden_size=h, num_hidden_layers=layers, state_size=state,
                                                      head_dim=head_dim, expand=2, n_groups=1)))
            continue
        for head_dim in (16, 24, 32, 48, 64):  # 16/24 only matter below ~1M parameters
            for heads in range(2, 17):
                h = head_dim * heads
                # per layer: attention 4h^2 (+ XLNet's relative-position projection h^2); FFN 2 x h x 4h,
                # LLaMA's gated FFN 3 x h x 4h
                est = layers * h * h * {"llama": 16, "bert": 12, "xlnet": 13}[arch]
                nice = abs(math.log(h / layers / 40)) + (0.3 if head_dim in (24, 48) else 0.5 if head_dim == 16 else 0) + (0.2 if heads % 2 else 0)
                if arch == "xlnet":
                    shape = dict(d_model=h, d_inner=4 * h, n_layer=layers, n_head=heads)
                else:
                    shape = dict(hidden_size=h, intermediate_size=4 * h, num_hidden_layers=layers,
                                 num_attention_heads=heads)
                cands.append((est, nice, shape))
    near = [c for c in cands if abs(c[0] / target - 1) <= 0.12]
    return [shape for _, _, shape in sorted(near, key=lambda c: c[1])] + \
        [shape for _, _, shape in sorted(cands, key=lambda c: abs(math.log(c[0] / target)))]


def make_config(arch: str, size: str | int, vocab_size: int = 2000, max_length: int = 1024, tokenizer=None,
                tolerance: float = 0.05) -> PretrainedConfig:
    """A config of ``arch`` with ``size`` non-embedding parameters (within ``tolerance``).

    ``size`` may also name a paper configuration (``"paper"`` = the paper's model of this family).
    """
    if arch not in ARCHITECTURES:
        raise ValueError(f"architecture {arch!r}: choose one of {', '.join(ARCHITECTURES)}")
    if str(size).lower() == "paper":
        return paper_config(next(k for k in PAPER_CONFIGS if k.startswith(arch + "-") and k.endswith("10M")),
                            vocab_size, max_length, tokenizer)
    target = parse_size(size)
    tried = 0
    for shape in _candidates(arch, target):
        config = _build(arch, vocab_size, max_length, tokenizer, **dict(shape))
        n = _non_embedding(config)
        tried += 1
        if abs(n - target) <= tolerance * target:
            config.hf_leaner = {"preset": f"{arch}-{size}", "non_embedding_parameters": n}
            return config
        if tried >= 40:
            break
    raise ValueError(f"no {arch} shape within {tolerance:.0%} of {target:,} non-embedding parameters "
                     "(try a size between 100K and 100M)")


def paper_config(name: str, vocab_size: int = 2000, max_length: int = 1024, tokenizer=None) -> PretrainedConfig:
    if name not in PAPER_CONFIGS:
        raise ValueError(f"paper config {name!r}: choose one of {', '.join(PAPER_CONFIGS)}")
    shape = dict(PAPER_CONFIGS[name])
    arch = shape.pop("arch")
    config = _build(arch, vocab_size, max_length, tokenizer, **shape)
    config.hf_leaner = {"preset": f"paper-{name}", "non_embedding_parameters": _non_embedding(config)}
    return config
