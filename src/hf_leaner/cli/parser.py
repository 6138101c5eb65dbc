"""``LeanerParser``: an ``HfArgumentParser`` whose flags come from arguments dataclasses declared with
:func:`hf_leaner.utils.args.arg` (as trl's ``TrlParser`` reads its configs), plus what a command line owes its user:
every multi-word flag in both spellings (``--a_b`` and ``--a-b``), aliases declared once on the field, value checks
that run in the first second, and a bad command line reported in one line (exit status 2)."""

from __future__ import annotations

import argparse
import copy
import dataclasses
import types

from transformers.hf_argparser import HfArgumentParser  # light: this module imports no torch

from hf_leaner.utils.errors import UsageError

# metadata keys that LeanerParser applies itself after HfArgumentParser has read the field's type
_OURS = ("value", "positional", "nargs", "required", "choices", "metavar", "action")


def spellings(option: str) -> list[str]:
    """``--a_b`` -> ``["--a_b", "--a-b"]``: every multi-word flag takes both."""
    body = option[2:]
    return list(dict.fromkeys([option, "--" + body.replace("-", "_"), "--" + body.replace("_", "-")]))


class _FieldOptions:
    """What HfArgumentParser calls ``add_argument`` on for one field: our metadata is applied on the way through."""

    def __init__(self, target, field: dataclasses.Field, ours: dict):
        self.target, self.field, self.ours = target, field, ours

    def add_argument(self, *options, **kwargs):
        ours = self.ours
        if options and options[0].startswith("--no"):  # the --no_x complement of a bool that defaults to True
            return self.target.add_argument(*options, **kwargs)
        if "value" in ours:
            kwargs["type"] = ours["value"]
        elif isinstance(self.field.type, types.GenericAlias) and self.field.type.__origin__ is tuple:
            raise TypeError(f"field {self.field.name!r}: a tuple field needs value= (e.g. csv_list(int))")
        for key in ("choices", "metavar", "required", "action"):
            if key in ours:
                kwargs[key] = ours[key]
        if "nargs" in ours:
            kwargs.pop("nargs", None) if ours["nargs"] is None else kwargs.update(nargs=ours["nargs"])
        if ours.get("positional"):
            kwargs.pop("required", None)
            return self.target.add_argument(self.field.name, **kwargs)
        options = [o for option in options for o in spellings(option)]
        return self.target.add_argument(*dict.fromkeys(options), dest=self.field.name, **kwargs)


class LeanerParser(HfArgumentParser):
    """``HfArgumentParser`` over dataclasses whose fields carry :func:`hf_leaner.utils.args.arg` metadata."""

    def __init__(self, dataclass_types=None, **kwargs):
        kwargs.setdefault("allow_abbrev", False)  # --out must not silently mean --output_dir
        super().__init__(dataclass_types, **kwargs)

    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")

    def _check_value(self, action, value):
        # argparse's own check, worded like the dataclasses' __post_init__ checks (field=value, then the choices),
        # so a choice made from a live registry (scorers, pacings, backends) reads the same whichever rejects it
        if action.choices is not None and value not in action.choices:
            raise argparse.ArgumentError(
                action, f"{action.dest}={value!r}: choose one of {', '.join(map(str, action.choices))}")

    @staticmethod
    def _parse_dataclass_field(parser, field: dataclasses.Field):
        ours = {k: field.metadata[k] for k in _OURS if k in field.metadata}
        plain = copy.copy(field)
        plain.metadata = types.MappingProxyType({k: v for k, v in field.metadata.items() if k not in _OURS})
        HfArgumentParser._parse_dataclass_field(_FieldOptions(parser, field, ours), plain)

    def dataclasses_from(self, namespace) -> tuple:
        """The dataclass instances a parsed namespace holds (their ``__post_init__`` checks run here)."""
        values = vars(namespace)
        return tuple(dtype(**{f.name: values[f.name] for f in dataclasses.fields(dtype) if f.init and f.name in values})
                     for dtype in self.dataclass_types)
