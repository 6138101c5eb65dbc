"""The LEANER and ORIGINAL text of the same documents as one corpus, for a *source* curriculum.

A LEANER record's ``hash`` is the sha256 of its ORIGINAL text, so the two variants of one release config
join on it. ``leaner+original-<size>-<genre>`` is that join: its ``train`` split holds both texts of every
document found in both variants, with a ``source`` column (``leaner`` / ``original``) that the ``source``
scorer reads (LEANER first, then ORIGINAL phased in); ``validation`` is the LEANER validation text (the
reported target) and ``validation_original`` the ORIGINAL one.
"""

from __future__ import annotations

import os

from datasets import DatasetDict, concatenate_datasets

PREFIX = "leaner+original-"


def is_parallel_config(config: str) -> bool:
    return config.startswith(PREFIX)


def load_parallel(config: str, data_dir: str | os.PathLike) -> DatasetDict:
    """``leaner+original-10M-all`` etc. from a release copy: both variants, joined by ``hash``."""
    from .corpora import LEANER_PRETRAIN, load_leaner

    rest = config[len(PREFIX):]
    leaner = load_leaner(LEANER_PRETRAIN, f"leaner-{rest}", data_dir=data_dir)
    original = load_leaner(LEANER_PRETRAIN, f"original-{rest}", data_dir=data_dir)
    out = {}
    for split in leaner:
        if split not in original:
            continue
        both = set(leaner[split]["hash"]) & set(original[split]["hash"])
        if split == "train":
            out["train"] = concatenate_datasets([_tagged(leaner[split], both, "leaner"),
                                                 _tagged(original[split], both, "original")])
        else:
            out[split] = _tagged(leaner[split], both, "leaner")
            out[f"{split}_original"] = _tagged(original[split], both, "original")
    if not out.get("train") or len(out["train"]) == 0:
        raise ValueError(f"{config}: no training document is in both the LEANER and the ORIGINAL files of {data_dir}")
    return DatasetDict(out)


def _tagged(ds, hashes: set, source: str):
    kept = ds.filter(lambda h: h in hashes, input_columns="hash")
    return kept.add_column("source", [source] * len(kept))
