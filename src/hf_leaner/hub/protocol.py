"""The small protocol pieces of the local Hub server: error answers, ``Range`` headers, card YAML checks."""

from __future__ import annotations

import re

_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


class HttpError(Exception):
    """Answered as ``{"error": message}`` with this status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The byte range ``(first, last)`` that a ``Range`` header asks of a ``size``-byte file (RFC 9110 14.1).

    ``None`` means serve the whole file: no header, another unit, several ranges, or a header that does
    not parse (a server may ignore those). A range that starts past the end, or a zero-length suffix,
    is unsatisfiable: ``HttpError(416)``.
    """
    if not header:
        return None
    m = _RANGE_RE.match(header.strip())
    if not m or (not m[1] and not m[2]):
        return None
    first, last = m[1], m[2]
    if not first:  # suffix range: the last N bytes
        n = int(last)
        if n == 0 or size == 0:
            raise HttpError(416, f"range {header!r} not satisfiable for {size} bytes")
        return max(size - n, 0), size - 1
    first = int(first)
    if last and int(last) < first:
        return None  # invalid range-spec: ignored
    if first >= size:
        raise HttpError(416, f"range {header!r} not satisfiable for {size} bytes")
    last = int(last) if last else size - 1
    return first, min(last, size - 1)


def validate_card_yaml(content: str) -> list[str]:
    """The checks the Hub makes on a card's YAML header that matter for loading: it parses, and each
    ``configs`` entry names a config and its data files."""
    import yaml

    if not content.startswith("---"):
        return []
    try:
        meta = yaml.safe_load(content.split("---", 2)[1]) or {}
    except yaml.YAMLError as e:
        return [f"YAML header does not parse: {e}"]
    errors = []
    for i, cfg in enumerate(meta.get("configs") or []):
        if not isinstance(cfg, dict) or "config_name" not in cfg:
            errors.append(f"configs[{i}]: missing config_name")
        elif "data_files" not in cfg and "data_dir" not in cfg:
            errors.append(f"configs[{i}] ({cfg['config_name']}): no data_files or data_dir")
    return errors
