"""Zero-shot minimal-pair evaluation's settings, without torch: :class:`ZeroShotArguments` and where each suite's
pairs come from (:func:`resolve_sources`).

    >>> args = ZeroShotArguments(models=["outputs/pretrain"], suites=["blimp", "zorro"], data=["../shared"],
    ...                          output_dir="outputs/zero-shot")
    >>> resolve_sources(args.suites, args.data)
    {'blimp': '../shared/blimp', 'zorro': '../shared/zorro'}

The command line builds and checks these before torch is imported; :func:`hf_leaner.evaluation.zero_shot.run_zero_shot`
runs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hf_leaner.utils.args import arg, csv_list, folder_or_hub_id, nonnegative_int, positive_int, writable_output
from hf_leaner.utils.errors import UsageError

from .minimal_pairs import BLIMP_HUB_ID
from .readings import PERMUTATION_READINGS, PLL_VARIANTS

KNOWN_SUITES = ("blimp", "zorro")  # others are any JSONL of sentence_good / sentence_bad pairs, named by the user


@dataclass
class ZeroShotArguments:
    """Models, suites and their data, the scoring options and the output folder."""

    models: list[str] = arg(None, "model folders (from `hf-leaner pretrain`) or Hub ids; several share one table",
                            positional=True, nargs="+", value=folder_or_hub_id)
    suites: list[str] = arg(default_factory=lambda: list(KNOWN_SUITES), value=csv_list(str), nargs=None,
                            help="comma-separated suite names: blimp, zorro, or a name given in --data NAME=PATH")
    data: list[str] = arg(default_factory=list, nargs="+", help="where the suites are: a folder holding one folder per "
                          f"suite (blimp/, zorro/), a suite's own folder or JSONL file, or NAME=PATH; "
                          f"blimp={BLIMP_HUB_ID} downloads BLiMP from the Hub (only when asked)")
    output_dir: str = arg(None, "OUT/results.json, results.md, zero_shot.png, predictions/<suite>.jsonl, cells/ "
                          "(rerun to resume)", aliases=("--output",), value=writable_output, required=True)
    max_pairs_per_paradigm: int | None = arg(None, "a seeded, stable subset of N pairs per paradigm (quick looks; "
                                             "the output says so)", value=positive_int)
    seed: int = arg(0, "seed of the --max_pairs_per_paradigm subset and of --untrained's weights",
                    value=nonnegative_int)
    untrained: bool = arg(False, "also score each model's config with random weights (as MODEL-untrained): the "
                          "floor a trained model is read against")
    pll: str = arg("original", "masked LMs: original (one mask per token) or word_l2r (also mask the rest of the "
                   "word, Kauf & Ivanova 2023)", choices=PLL_VARIANTS)
    permutation_reading: str = arg("left_to_right", "XLNet: left_to_right (each token from those before it: a code "
                                   "length) or pseudo (each token from all the others, as --pll reads a masked LM)",
                                   choices=PERMUTATION_READINGS)
    batch_tokens: int = arg(4096, "token positions per forward pass", value=positive_int)
    device: str | None = arg(None, "cpu, cuda, cuda:1, ... (default: cuda when there is one)")
    workers: int = arg(1, "models scored at once, one process of one thread each (on a CPU with several models: "
                       "the cores available)", value=positive_int)

    def __post_init__(self):
        if len(set(self.models)) != len(self.models):
            raise UsageError(f"models {' '.join(self.models)}: a model is named twice")
        if len(set(self.suites)) != len(self.suites):
            raise UsageError(f"--suites {','.join(self.suites)}: a suite is named twice")
        resolve_sources(self.suites, self.data)  # fails here, in the first second, on a suite without data


def resolve_sources(suites: list[str], data: list[str]) -> dict[str, str]:
    """``{suite: local path or Hub id}`` from the ``--data`` items (see ``ZeroShotArguments.data``)."""
    named, plain = {}, []
    for item in data:
        name, sep, path = item.partition("=")
        if sep and name and "/" not in name:
            named[name] = path
        else:
            plain.append(item)
    sources = {}
    for suite in suites:
        if suite in named:
            source = named[suite]
            if not Path(source).expanduser().exists() and source.count("/") != 1:
                raise UsageError(f"--data {suite}={source}: no such file or folder (or a Hub id owner/name)")
            sources[suite] = source
            continue
        inside = [str(Path(p) / suite) for p in plain if (Path(p).expanduser() / suite).exists()]
        if inside:
            sources[suite] = inside[0]
        elif len(suites) == 1 and len(plain) == 1 and Path(plain[0]).expanduser().exists():
            sources[suite] = plain[0]  # one suite, one path: the path is the suite
        else:
            hint = f" or --data blimp={BLIMP_HUB_ID} to download it" if suite == "blimp" else ""
            raise UsageError(f"suite {suite!r}: no data; give --data DIR holding {suite}/, --data {suite}=PATH{hint}")
    unknown = set(named) - set(suites)
    if unknown:
        raise UsageError(f"--data {sorted(unknown)[0]}=...: not among --suites {','.join(suites)}")
    return sources
