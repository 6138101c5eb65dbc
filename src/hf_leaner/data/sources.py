"""What ``--data`` may name, checked in the first second (no datasets import): ``sample``, a release copy, a
folder written by ``build-dataset``, or a datasets folder / Hub id, with a config it holds."""

from __future__ import annotations

import argparse
from pathlib import Path

from hf_leaner.utils.args import folder_or_hub_id
from hf_leaner.utils.errors import UsageError

from .release import GENRES, PRETRAIN_CONFIGS


def check_data_source(data: str, config: str) -> None:
    """``data`` (sample, a release copy, a published folder, a datasets folder or Hub id) and its ``config``."""
    path = Path(data).expanduser()
    if data == "sample" or (path / "data" / "leaner").is_dir():
        if config not in PRETRAIN_CONFIGS and config.replace("leaner+original-", "leaner-", 1) not in PRETRAIN_CONFIGS:
            raise UsageError(f"--data_config {config!r} is not a leaner-pretrain config; configs are "
                             "{leaner,original,leaner+original}-{10M,100M}-{all," + ",".join(GENRES) + "}, e.g. "
                             "leaner-10M-all")
    elif path.is_dir() and (path / "README.md").is_file() and any(p.is_dir() for p in path.iterdir()):
        if not (path / config).is_dir():
            present = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
            raise UsageError(f"--data_config {config!r}: {data} has no such config; configs: {', '.join(present)}")
    elif not path.is_dir():
        try:
            folder_or_hub_id(data)
        except argparse.ArgumentTypeError as e:
            raise UsageError(f"--data {e}; give 'sample', a release copy, a folder written by build-dataset, "
                             "or a Hub dataset id") from None
    else:  # a plain folder of JSON lines: read through once with our reader, which names the file and line
        check_json_lines(sorted(path.rglob("*.jsonl")))


def check_json_lines(files: list[Path]) -> None:
    """Each line of each file is a JSON object (``datasets`` would say 'JSON parse error ... row 0' of no file)."""
    from .release import iter_records

    for file in files:
        for lineno, rec in iter_records(file):  # bad JSON or UTF-8: LeanerDataError with file:line
            if not isinstance(rec, dict):
                raise UsageError(f"{file}:{lineno}: a JSON {type(rec).__name__}, not an object with a text field")
