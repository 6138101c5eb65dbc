"""The four families' presets, without torch: names, objectives, the paper's shapes, parameter counts.

The command line reads these before torch is imported; :mod:`hf_leaner.models.build` turns them into configs.
"""

from __future__ import annotations

import re

ARCHITECTURES = ("llama", "bert", "xlnet", "mamba2")
OBJECTIVE = {"llama": "clm", "mamba2": "clm", "bert": "mlm", "xlnet": "plm"}

# The paper's configurations (TinyHelen release, config/<family>/<family>-2K-<size>.json): facts, restated.
PAPER_CONFIGS = {
    "llama-1M": dict(arch="llama", hidden_size=128, intermediate_size=512, num_hidden_layers=4, num_attention_heads=4,
                     rope_theta=500000.0, max_position_embeddings=1024),
    "llama-10M": dict(arch="llama", hidden_size=336, intermediate_size=1344, num_hidden_layers=8, num_attention_heads=8,
                      rope_theta=500000.0, max_position_embeddings=1024),
    "bert-10M": dict(arch="bert", hidden_size=384, intermediate_size=1536, num_hidden_layers=8, num_attention_heads=8,
                     max_position_embeddings=1024),
    "xlnet-10M": dict(arch="xlnet", d_model=376, d_inner=1504, n_layer=8, n_head=8),
    # the release's Mamba2 model: d_model 768, 2 layers, mamba_ssm defaults (d_state 128, headdim 64, expand 2, 1 group)
    "mamba2-10M": dict(arch="mamba2", hidden_size=768, num_hidden_layers=2, state_size=128, head_dim=64, expand=2,
                       n_groups=1),
}


def parse_size(size: str | int | float) -> int:
    """``"14M"`` -> 14_000_000, ``"500K"`` -> 500_000, ``1_000_000`` -> itself."""
    if isinstance(size, (int, float)):
        return int(size)
    m = re.fullmatch(r"\s*([\d.]+)\s*([KkMmBb]?)\s*", str(size))
    if not m:
        raise ValueError(f"size {size!r}: give a number of parameters like 1M, 14M, 500K or an int")
    return int(float(m[1]) * {"": 1, "k": 1e3, "m": 1e6, "b": 1e9}[m[2].lower()])
