"""Nothing lost without a word: every shape of damaged .zst shard, empty paired files, non-UTF-8 lines."""

import json
import random
import shutil
import subprocess
import warnings

import pytest
import zstandard
from conftest import CLI

from hf_leaner.utils.errors import LeanerDataError, SourceWarning
from hf_leaner.data.release import iter_records

ROWS = 3000


def _lines(n=ROWS, seed=0) -> bytes:
    rnd = random.Random(seed)  # varied text: a frame of many blocks, not one tiny repetitive block
    return "".join(json.dumps({"text": " ".join(f"w{rnd.randrange(50000)}" for _ in range(30)), "i": i}) + "\n"
                   for i in range(n)).encode()


def _frame(data: bytes, **kw) -> bytes:
    return zstandard.ZstdCompressor(level=3, **kw).compress(data)


def _read(path, on_corrupt="raise"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = list(iter_records(path, on_corrupt=on_corrupt))
    return rows, [str(w.message) for w in caught if issubclass(w.category, SourceWarning)]


WHOLE = _frame(_lines(), write_checksum=True, write_content_size=True)
NO_SIZE = zstandard.ZstdCompressor(level=3, write_content_size=False).compressobj()
NO_SIZE = NO_SIZE.compress(_lines()) + NO_SIZE.flush()
_HALF = _lines().index(b"\n", len(_lines()) // 2) + 1
TWO_FRAMES = _frame(_lines()[:_HALF]) + _frame(_lines()[_HALF:])

SHAPES = {  # name -> damaged bytes
    "cut inside the frame header": WHOLE[:5],
    "cut inside the first block": WHOLE[:40],
    "cut in a middle block": WHOLE[: len(WHOLE) // 2],
    "cut in the checksum": WHOLE[:-2],
    "cut without content size": NO_SIZE[: len(NO_SIZE) // 2],
    "second frame cut": TWO_FRAMES[:-100],
    "zeroed bytes in a block": WHOLE[: len(WHOLE) // 2] + bytes(64) + WHOLE[len(WHOLE) // 2 + 64:],
    "trailing garbage after the frame": WHOLE + b"garbage!" * 4,
    "empty file": b"",
    "declared content size too large": WHOLE[:4] + bytes([WHOLE[4]]) + (len(_lines()) + 7).to_bytes(4, "little")
    + WHOLE[9:] if WHOLE[4] & 0xC0 == 0x80 else b"",
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_damaged_shape_is_reported_and_warn_keeps_only_complete_lines(tmp_path, shape):
    path = tmp_path / "wiki0000.jsonl.zst"
    path.write_bytes(SHAPES[shape])
    with pytest.raises(LeanerDataError, match=r"wiki0000\.jsonl\.zst: compressed stream is corrupt or truncated "
                                              r"after line \d+ .*--on-corrupt warn"):
        _read(path)
    kept, notes = _read(path, "warn")
    assert len(notes) == 1 and f"kept the {len(kept):,} complete lines" in notes[0]
    assert [r["i"] for _, r in kept] == list(range(len(kept)))  # a prefix, nothing invented
    every_line_decoded = shape in ("cut in the checksum", "trailing garbage after the frame")
    assert len(kept) == ROWS if every_line_decoded else len(kept) < ROWS


def test_the_content_size_shape_is_really_built():
    assert SHAPES["declared content size too large"], "the frame header layout changed: rebuild this case"


def test_an_intact_stream_reads_whole_and_silently(tmp_path):
    for name, data in (("a.jsonl.zst", WHOLE), ("b.jsonl.zst", NO_SIZE), ("c.jsonl.zst", TWO_FRAMES)):
        (tmp_path / name).write_bytes(data)
        rows, notes = _read(tmp_path / name)
        assert notes == [] and [r["i"] for _, r in rows] == list(range(ROWS))


def test_a_cut_last_line_is_dropped_and_counted(tmp_path):
    data = _lines(200)
    cut = data.rindex(b"\n", 0, len(data) - 1) + 20  # 20 bytes into the last line
    path = tmp_path / "web0000.jsonl.zst"
    co = zstandard.ZstdCompressor(level=3).compressobj()
    # two blocks: up to 10 bytes into the last line, then the rest of it; the second block is lost
    frame = co.compress(data[:cut - 10]) + co.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK) + co.compress(data[cut - 10:cut])
    path.write_bytes((frame + co.flush())[:-3])
    kept, notes = _read(path, "warn")
    assert len(kept) == 199 and "kept the 199 complete lines" in notes[0]
    assert "dropped an incomplete last line" in notes[0]


def test_a_line_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_bytes(b'{"text": "fine"}\n{"text": "caf\xe9"}\n')
    with pytest.raises(LeanerDataError, match=r"notes\.jsonl:2: not UTF-8 text \(byte 0xe9"):
        _read(path)


def _release_copy(sample_dir, tmp_path):
    copy = tmp_path / "release"
    shutil.copytree(sample_dir, copy)
    return copy


def test_cli_build_stops_in_one_line_then_warn_notes_it_in_the_card_without_machine_paths(tmp_path, sample_dir):
    copy = _release_copy(sample_dir, tmp_path)
    shard = copy / "data/ori/10M/train/wiki0000.jsonl.zst"
    shard.write_bytes(shard.read_bytes()[:40])  # cut inside the first block
    args = CLI + ["build-dataset", "leaner-pretrain", "--data-dir", str(copy), "--output", str(tmp_path / "out"),
                  "--configs", "original-10M-wiki"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and "wiki0000.jsonl.zst" in run.stderr and "--on-corrupt warn" in run.stderr
    assert not list((tmp_path / "out").glob("leaner-pretrain/original-10M-wiki/*.parquet"))
    run = subprocess.run(args + ["--on-corrupt", "warn"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "\r" not in run.stderr and "hf-leaner: warning: data/ori/10M/train/wiki0000.jsonl.zst" in run.stderr
    card = (tmp_path / "out/leaner-pretrain/README.md").read_text()
    assert "data/ori/10M/train/wiki0000.jsonl.zst" in card and "kept the 0 complete lines" in card
    assert str(tmp_path) not in card and "/work/" not in card


def test_an_empty_file_whose_pair_has_rows_is_reported(tmp_path, sample_dir):
    copy = _release_copy(sample_dir, tmp_path)
    empty = next((copy / "data/leaner/10M/validation").glob("wiki*.jsonl"))
    empty.write_text("")
    run = subprocess.run(CLI + ["build-dataset", "leaner-pretrain", "--data-dir", str(copy), "--output",
                                str(tmp_path / "out"), "--configs", "leaner-10M-wiki"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "no rows, but its paired ORIGINAL file data/ori/10M/validation/wiki" in run.stderr
    assert "no rows, but its paired ORIGINAL file" in (tmp_path / "out/leaner-pretrain/README.md").read_text()
    # the paired statistics of that genre would be silently empty: stats says so in one warning line
    run = subprocess.run(CLI + ["stats", "--data", str(copy), "--genres", "wiki", "--json"], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "hf-leaner: warning: wiki validation: no document pairs" in run.stderr


def test_readme_build_on_the_shared_copy_stops_in_one_line_or_finishes_with_warn(shared_dir, tmp_path):
    args = CLI + ["build-dataset", "leaner-pretrain", "--data", str(shared_dir), "--output_dir", str(tmp_path),
                  "--configs", "original-100M-wiki"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert run.returncode == 2 and run.stderr.count("\n") == 1, run.stderr[-2000:]
    assert "data/ori/100M/train/wiki0003.jsonl.zst" in run.stderr and "--on-corrupt warn" in run.stderr
    run = subprocess.run(args + ["--on_corrupt", "warn"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "\r" not in run.stderr  # no progress-bar frames in a log
    card = (tmp_path / "leaner-pretrain/README.md").read_text()
    assert "data/ori/100M/train/wiki0003.jsonl.zst" in card and str(shared_dir) not in card
