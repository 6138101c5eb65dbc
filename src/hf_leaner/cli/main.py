"""The ``hf-leaner`` command line: ``hf-leaner <command> --help`` for each command.

The commands are registered by the modules of this package, one per group (``data``, ``simplify``, ``hare``,
``train``, ``evaluate``, ``hub``, ``experiment``). Expected errors end in one line
``hf-leaner: error: ...`` (exit 2 for bad input, 1 for a failure of the work); ``--debug`` or
``HF_LEANER_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import warnings

from hf_leaner.utils.errors import LeanerDataError

from . import data, evaluate, experiment, hare, hub, simplify, train
from .parser import LeanerParser
from .registry import Command, Group

COMMANDS = [*data.COMMANDS, *experiment.COMMANDS, *train.COMMANDS, *evaluate.COMMANDS, *hub.COMMANDS,
            *hare.COMMANDS, *simplify.COMMANDS]


def build_parser() -> LeanerParser:
    """Every command's parser, built from its dataclasses (pretrain's is a placeholder: it parses on its own)."""
    parser = LeanerParser(prog="hf-leaner", description="Tiny LMs in a simpler language environment. --debug (or "
                          "HF_LEANER_DEBUG=1) shows tracebacks.")
    _add_commands(parser, COMMANDS, dest="command", metavar="COMMAND")
    return parser


def _add_commands(parser, commands, dest: str, metavar: str | None) -> None:
    sub = parser.add_subparsers(dest=dest, required=True, metavar=metavar, parser_class=LeanerParser)
    for command in commands:
        if isinstance(command, Group):
            group = sub.add_parser(command.name, help=command.help, description=command.help)
            _add_commands(group, command.commands, dest=command.dest, metavar=None)
        elif command.run_argv:
            sub.add_parser(command.name, help=command.help, add_help=False)
        else:
            p = sub.add_parser(command.name, help=command.help, description=command.help,
                               dataclass_types=command.arguments)
            p.set_defaults(_command=command, _parser=p)


def run(argv: list[str], progress: bool) -> int:
    own = next((c for c in COMMANDS if isinstance(c, Command) and c.run_argv and argv[:1] == [c.name]), None)
    if own:
        return own.run_argv(argv[1:], progress)
    namespace = build_parser().parse_args(argv)
    arguments = namespace._parser.dataclasses_from(namespace)  # __post_init__ checks: before any heavy import
    return namespace._command.run(*arguments, progress=progress)


# ----------------------------------------------------------------------------------------------- reporting

INPUT_ERRORS = (LeanerDataError, ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
                PermissionError, UnicodeDecodeError)


CREDENTIALS_IN_URL = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^\s/@:]+(?::[^\s/@]*)?@", re.I)


def one_line(message: str) -> str:
    """The message on one line, without the user and password of any URL in it (``http://user:key@host``: a
    library's error quotes the URL it was given, credentials included)."""
    text = re.sub(r"\s*\n\s*", "; ", str(message).strip()) or "(no message)"
    return CREDENTIALS_IN_URL.sub(r"\1", text)


def connection_error(exc: BaseException) -> str | None:
    """What a failed connection was to: httpx and requests keep the request they could not send."""
    if type(exc).__name__ not in ("ConnectError", "ConnectionError", "ConnectTimeout"):
        return None
    request = getattr(exc, "request", None)
    url = getattr(request, "url", None)
    where = f"{url.scheme}://{url.host}{f':{url.port}' if url.port else ''}" if hasattr(url, "host") else "the server"
    return (f"cannot connect to {where} ({one_line(exc)}); is the server running, and is the URL (or HF_ENDPOINT) "
            "right?")


def root_cause(exc: BaseException) -> BaseException:
    """``datasets`` wraps a builder's error in ``DatasetGenerationError``; the user needs the error inside."""
    while type(exc).__name__ == "DatasetGenerationError" and exc.__cause__ is not None:
        exc = exc.__cause__
    return exc


def report(exc: BaseException) -> int:
    """Print the one-line error; 2 for a bad input or command line, 1 for a failure."""
    exc = root_cause(exc)
    unreachable = connection_error(exc)
    if unreachable is not None:
        print(f"hf-leaner: error: {unreachable}", file=sys.stderr)
        return 1
    if isinstance(exc, INPUT_ERRORS):
        print(f"hf-leaner: error: {one_line(exc)}", file=sys.stderr)
        return 2
    print(f"hf-leaner: error: {type(exc).__name__}: {one_line(exc)} (rerun with --debug for the traceback)",
          file=sys.stderr)
    return 1


def quiet_progress_when_logged() -> bool:
    """Progress bars only on a terminal: in a log they write thousands of frames. Returns whether on a TTY.
    Set before torch/datasets are imported, so every library reads it."""
    tty = sys.stderr.isatty()
    if not tty:
        for var in ("HF_DATASETS_DISABLE_PROGRESS_BARS", "HF_HUB_DISABLE_PROGRESS_BARS", "TQDM_DISABLE"):
            os.environ.setdefault(var, "1")
    return tty


def format_warning(message, category, filename, lineno, line=None) -> str:
    return f"hf-leaner: warning: {one_line(message)}\n"


class _Terminated(BaseException):
    """SIGTERM, raised where the program is, so every ``with`` and ``finally`` on the way out runs."""


def _terminated(signum, frame):
    raise _Terminated


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv or os.environ.get("HF_LEANER_DEBUG", "") not in ("", "0")
    argv = [a for a in argv if a != "--debug"]
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.formatwarning = format_warning
    progress = quiet_progress_when_logged()
    # SIGTERM (timeout, Slurm, kill) unwinds like Ctrl-C: context managers close, so a local LLM endpoint or Hub
    # server this command started stops with it instead of outliving it
    signal.signal(signal.SIGTERM, _terminated)
    try:
        return run(argv, progress)
    except KeyboardInterrupt:
        print("hf-leaner: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print("hf-leaner: terminated", file=sys.stderr)
        return 143
    except Exception as e:  # noqa: BLE001 -- every error becomes one line unless --debug asks for the traceback
        if debug:
            raise
        return report(e)


if __name__ == "__main__":
    sys.exit(main())
