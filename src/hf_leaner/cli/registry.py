"""The command registry: a command is a name, a help line, its arguments dataclass(es) and one function.

    COMMANDS = [Command("stats", "corpus statistics ...", (StatsArguments,), run_stats)]

``run(*arguments, progress=...)`` receives the parsed dataclass instances (their ``__post_init__`` already checked
them) and returns the exit status. A group of commands (``experiment``) is a :class:`Group` of commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    arguments: tuple = ()
    run: Callable[..., int] | None = None
    # a command that parses its own command line (pretrain: its flags are TrainingArguments', which import torch)
    run_argv: Callable[[list[str], bool], int] | None = None


@dataclass(frozen=True)
class Group:
    name: str
    help: str
    commands: list = field(default_factory=list)
    dest: str = "which"
