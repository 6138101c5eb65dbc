"""Lines of a plain or zstd-compressed file, with damage reported instead of silently ending the stream.

``zstandard``'s stream reader stops quietly when a file ends inside a frame (a shard cut inside its
first block reads as empty). Here every frame is decompressed to its end: a file that ends inside a
frame (header, block or checksum), or a frame whose output differs from the content size its header
declares, raises :class:`TruncatedStream`. Lines are split on ``\\n`` and decoded one by one, so a byte
that is not UTF-8 is reported with its line number.

    for lineno, line in iter_lines(path):  # str lines, without the newline
        ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import zstandard

from hf_leaner.utils.errors import LeanerDataError

_READ = 1 << 18
_FEED = 1 << 12  # compressed bytes per decompress call: output before a damaged block is still yielded
_HEADER_MAX = 18  # the longest zstd frame header: enough bytes to read the declared content size


class TruncatedStream(Exception):
    """A compressed file ends inside a frame, or a frame is corrupt. ``lines`` complete lines came
    before the damage; ``partial`` is the incomplete last line (bytes), if any."""

    def __init__(self, why: str, lines: int = 0, partial: bytes = b""):
        super().__init__(why)
        self.why, self.lines, self.partial = why, lines, partial


def check_readable_file(path: Path, name: str | None = None) -> None:
    name = name or str(path)
    if path.is_dir():
        raise LeanerDataError(f"{name}: is a folder, not a file; give one of the files inside it")
    if not path.is_file():
        raise LeanerDataError(f"{name}: no such file")


def iter_chunks(path: Path) -> Iterator[bytes]:
    """The bytes of ``path``, decompressed when it ends in ``.zst``; damage raises :class:`TruncatedStream`."""
    with path.open("rb") as fh:
        if path.suffix != ".zst":
            while chunk := fh.read(_READ):
                yield chunk
            return
        yield from _zstd_frames(fh)


def _zstd_frames(fh) -> Iterator[bytes]:
    dctx = zstandard.ZstdDecompressor()
    buf, at_end, frame, obj = b"", False, 0, None
    expected = produced = 0
    while True:
        need_more = (len(buf) < _HEADER_MAX) if obj is None else not buf
        if need_more and not at_end:
            chunk = fh.read(_READ)
            if chunk:
                buf += chunk
                continue
            at_end = True
        if obj is None:  # between frames
            if not buf:
                if frame == 0:
                    raise TruncatedStream("the file is empty, not even one zstd frame")
                return
            try:
                params = zstandard.get_frame_parameters(buf)
            except zstandard.ZstdError as e:
                raise TruncatedStream(f"frame {frame + 1}: incomplete or invalid frame header ({e})") from None
            known = params.content_size != zstandard.CONTENTSIZE_UNKNOWN
            expected, produced, obj = (params.content_size if known else None), 0, dctx.decompressobj()
        if not buf:  # the file ended inside a frame
            raise TruncatedStream(f"the file ends inside frame {frame + 1} after {produced:,} of its bytes"
                                  + (f" (its header declares {expected:,})" if expected is not None else ""))
        try:
            data = obj.decompress(buf[:_FEED])
        except zstandard.ZstdError as e:
            raise TruncatedStream(f"frame {frame + 1} is corrupt ({e})") from None
        buf = buf[_FEED:]
        produced += len(data)
        if data:
            yield data
        if obj.eof:
            buf = obj.unused_data + buf
            if expected is not None and produced != expected:
                raise TruncatedStream(f"frame {frame + 1} decodes to {produced:,} bytes, its header declares "
                                      f"{expected:,}")
            obj, frame = None, frame + 1


def iter_lines(path: str | Path, name: str | None = None) -> Iterator[tuple[int, str]]:
    """``(line_number, text)`` for every line of ``path`` (the newline removed; 1-based numbers).

    Raises :class:`LeanerDataError` for a missing file, a folder or a line that is not UTF-8, and
    :class:`TruncatedStream` (with the count of complete lines) for a damaged compressed stream.
    """
    path = Path(path)
    name = name or str(path)
    check_readable_file(path, name)
    lineno, partial = 0, b""
    try:
        for chunk in iter_chunks(path):
            *lines, partial = (partial + chunk).split(b"\n")
            for raw in lines:
                lineno += 1
                yield lineno, _decode(raw, name, lineno)
    except TruncatedStream as e:
        raise TruncatedStream(e.why, lineno, partial) from None
    if partial:
        yield lineno + 1, _decode(partial, name, lineno + 1)


def read_text(path: str | Path, name: str | None = None) -> str:
    """The whole file as text (for JSON arrays); the same errors as :func:`iter_lines`."""
    path = Path(path)
    name = name or str(path)
    check_readable_file(path, name)
    raw = b"".join(iter_chunks(path))
    return _decode(raw, name, None)


def _decode(raw: bytes, name: str, lineno: int | None) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        if lineno is None:
            lineno = raw.count(b"\n", 0, e.start) + 1
            column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        else:
            column = e.start + 1
        raise LeanerDataError(f"{name}:{lineno}: not UTF-8 text (byte 0x{raw[e.start]:02x} at column {column}); "
                              "convert the file to UTF-8") from None
