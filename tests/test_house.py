"""The house rules, checked on the code itself: the package root holds only the rooms; imports point down (no
room imports one on its floor or above) and never in a circle; flags come from the arguments dataclasses; no
source file is over 400 lines; a registered scorer reaches `pretrain --help` with no other edit."""

import ast
import dataclasses
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "hf_leaner"
SCRIPTS = SRC.parents[1] / "dataset_scripts"
# a room may import its own modules and the rooms on lower floors only
FLOORS = {"utils": 0, "hub": 1, "llm": 1, "sample_data": 1, "data": 2, "dataset_scripts": 2, "model_cards": 2,
          "models": 3, "curriculum": 3, "simplify": 3, "hare": 3, "train": 4, "evaluation": 4, "experiments": 5,
          "cli": 6, "<root>": 7}  # the root: hf_leaner/__init__ (lazy exports) and __main__ (the CLI)


def modules() -> dict[str, Path]:
    found = {}
    for root, prefix in ((SRC, "hf_leaner"), (SCRIPTS, "hf_leaner.dataset_scripts")):
        for path in root.rglob("*.py"):
            parts = [prefix, *path.relative_to(root).with_suffix("").parts]
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports anywhere (top level or inside a function)."""
    mods = modules()
    graph = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            else:
                continue
            for target in names:
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if target.startswith("hf_leaner") and target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def room(module: str) -> str:
    parts = module.split(".")
    if parts[1:2] == ["dataset_scripts"]:  # the data room's builders, kept at the repo's top level for our users
        return "data"
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in FLOORS) else "<root>"


def test_the_package_root_holds_only_rooms():
    loose = sorted(p.name for p in SRC.glob("*.py") if p.name not in ("__init__.py", "__main__.py"))
    assert loose == []
    rooms = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").is_file()} | {"<root>"}
    assert rooms <= set(FLOORS), rooms - set(FLOORS)


def test_imports_point_down_and_never_in_a_circle():
    graph = import_graph()
    upward = [(a, b) for a, targets in graph.items() for b in targets
              if room(a) != room(b) and room(b) != "<root>" and FLOORS[room(b)] >= FLOORS[room(a)]]
    assert upward == [], upward
    # cycles: depth-first search over the module graph
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert cycles == [], cycles


def test_no_source_file_over_400_lines():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_flags_are_declared_by_dataclasses_not_by_hand():
    calls = sum(len(re.findall(r"\badd_argument\(|\bflag\(", p.read_text())) for p in SRC.rglob("*.py"))
    assert calls <= 40, calls


def _commands():
    from hf_leaner.cli.main import COMMANDS, build_parser
    from hf_leaner.cli.registry import Group

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for command in COMMANDS:
        for c in command.commands if isinstance(command, Group) else [command]:
            if c.run_argv:
                continue
            p = sub.choices[command.name]
            if isinstance(command, Group):
                p = next(a for a in p._actions if a.__class__.__name__ == "_SubParsersAction").choices[c.name]
            yield f"{command.name} {c.name}" if isinstance(command, Group) else c.name, c, p


def _help_blocks(text: str) -> dict[str, str]:
    """The --help text cut into one block per option (its first spelling -> its help, joined on one line)."""
    blocks, current = {}, None
    for line in text.splitlines():
        m = re.match(r"\s{2}(-{1,2}[\w-]+|[a-z_]+)\b", line)
        if m and not line.startswith("   " * 4):
            current = m[1]
            blocks[current] = line
        elif current:
            blocks[current] += " " + line.strip()
    return {k: re.sub(r"\s+", " ", v) for k, v in blocks.items()}


def test_every_command_help_lists_its_dataclass_fields_and_defaults():
    checked = 0
    for name, command, parser in _commands():
        text = parser.format_help()
        blocks = _help_blocks(text)
        for dtype in command.arguments:
            for f in dataclasses.fields(dtype):
                if not f.init:
                    continue
                if f.metadata.get("positional"):
                    shown = "{" + ",".join(f.metadata["choices"]) + "}" if "choices" in f.metadata else f.name
                    assert shown in text, (name, f.name)
                    checked += 1
                    continue
                key = f.name if f.metadata.get("positional") else f"--{f.name}"
                assert key in blocks, (name, key, sorted(blocks))
                default = f.default if f.default is not dataclasses.MISSING else (
                    f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
                if not f.metadata.get("positional") and not f.metadata.get("required"):
                    squeeze = lambda t: re.sub(r"\s", "", t)  # noqa: E731 -- help lines wrap inside words at '-'
                    assert squeeze(f"(default: {default})") in squeeze(blocks[key]), (name, key, blocks[key])
                checked += 1
    assert checked > 150


def test_a_registered_scorer_appears_in_pretrain_help_and_choices(capsys):
    import numpy as np

    from hf_leaner.cli.main import main
    from hf_leaner.cli.train import pretrain_parser
    from hf_leaner.curriculum import SCORERS, register_scorer

    @register_scorer("house_test_scorer")
    def score(docs, **_):
        return np.zeros(len(docs))

    try:
        with pytest.raises(SystemExit):
            main(["pretrain", "--help"])
        assert "house_test_scorer" in capsys.readouterr().out
        _, config = pretrain_parser().parse_args_into_dataclasses(
            ["--difficulty", "house_test_scorer", "--output_dir", "unused", "--max_steps", "1"],
            look_for_args_file=False)
        assert config.difficulty == "house_test_scorer"
    finally:
        SCORERS.pop("house_test_scorer", None)


def test_a_registered_pacing_shape_and_simplify_backend_appear_in_help_and_choices(capsys):
    from hf_leaner.cli.main import main
    from hf_leaner.cli.train import pretrain_parser
    from hf_leaner.curriculum.pacing import PACING_SHAPES, register_pacing
    from hf_leaner.simplify.backends import BACKENDS, LexicalBackend, register_backend

    register_pacing("house_test_shape")(lambda t, steps, sharpness: t ** 3)
    register_backend("house_test_backend", "a backend registered by a test")(type("B", (LexicalBackend,), {}))
    try:
        with pytest.raises(SystemExit):
            main(["pretrain", "--help"])
        assert "house_test_shape" in capsys.readouterr().out
        _, config = pretrain_parser().parse_args_into_dataclasses(
            ["--pacing", "house_test_shape", "--output_dir", "unused", "--max_steps", "1"], look_for_args_file=False)
        assert config.pacing == "house_test_shape"
        with pytest.raises(SystemExit):
            main(["simplify", "--help"])
        assert "house_test_backend" in capsys.readouterr().out
    finally:
        PACING_SHAPES.pop("house_test_shape", None)
        BACKENDS.pop("house_test_backend", None)
