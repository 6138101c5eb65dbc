"""Reading the release layout: formats, record shapes, and errors that name file, line and field."""

import json
import warnings

import pytest
import zstandard

from hf_leaner.data.release import (LeanerDataError, MissingSourceError, SourceFile, count_records,
                                    find_pretrain_files, iter_pretrain_examples, iter_records, sha256)


def _zst(path, text: str):
    path.write_bytes(zstandard.ZstdCompressor().compress(text.encode()))
    return path


def test_reads_jsonl_zst_and_json_array(tmp_path):
    lines = "".join(json.dumps({"text": f"doc {i}"}) + "\n" for i in range(5))
    (tmp_path / "a.jsonl").write_text(lines)
    _zst(tmp_path / "a.jsonl.zst", lines)
    _zst(tmp_path / "c.json.zst", json.dumps(["one", "two", "three"]))
    assert [r["text"] for _, r in iter_records(tmp_path / "a.jsonl")] == [f"doc {i}" for i in range(5)]
    assert list(iter_records(tmp_path / "a.jsonl.zst")) == list(iter_records(tmp_path / "a.jsonl"))
    assert list(iter_records(tmp_path / "c.json.zst")) == [(1, "one"), (2, "two"), (3, "three")]


def test_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "web0000.jsonl"
    path.write_text('{"text": "fine"}\n\n{"text": "broken\n{"text": "after"}\n')
    with pytest.raises(LeanerDataError, match=r"web0000\.jsonl:3: malformed JSON"):
        list(iter_records(path))


def test_truncated_zst_raises_or_keeps_complete_lines(tmp_path):
    lines = "".join(json.dumps({"text": "x" * 50 + str(i)}) + "\n" for i in range(20000))
    whole = zstandard.ZstdCompressor(level=1).compress(lines.encode())
    # damage the stream in its second half: the frame's checksum/blocks no longer decode
    cut = bytearray(whole[: len(whole) // 2]) + bytes(64) + whole[len(whole) // 2 + 64:]
    path = tmp_path / "wiki0003.jsonl.zst"
    path.write_bytes(bytes(cut))
    with pytest.raises(LeanerDataError, match=r"wiki0003\.jsonl\.zst: compressed stream is corrupt or truncated after line \d+"):
        list(iter_records(path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept = list(iter_records(path, on_corrupt="warn"))
    assert 0 < len(kept) < 20000
    assert [n for n, _ in kept] == list(range(1, len(kept) + 1))
    assert all(r["text"].startswith("x") for _, r in kept)
    assert any("kept the" in str(w.message) for w in caught)


def test_missing_field_names_the_field(tmp_path):
    path = tmp_path / "textbook0001.jsonl.zst"
    _zst(path, json.dumps({"text": "source page", "source": "web"}) + "\n")
    sf = SourceFile(path, "original", "10M", "validation", "textbook", 1)
    with pytest.raises(LeanerDataError, match=r"textbook0001\.jsonl\.zst:1: missing field 'textbook'"):
        list(iter_pretrain_examples([sf]))


def test_original_hash_rules_match_the_leaner_join_key(tmp_path):
    code = {"prompt": "Write a loop.", "response": "for i in range(3): print(i)", "idx": 7}
    _zst(tmp_path / "code0001.jsonl.zst", json.dumps(code) + "\n")
    _zst(tmp_path / "wiki0001.jsonl.zst", json.dumps({"42": "Title\nBody text."}) + "\n")
    code_sf = SourceFile(tmp_path / "code0001.jsonl.zst", "original", "10M", "validation", "code", 1)
    wiki_sf = SourceFile(tmp_path / "wiki0001.jsonl.zst", "original", "10M", "validation", "wiki", 1)
    (_, code_ex), = iter_pretrain_examples([code_sf])
    (_, wiki_ex), = iter_pretrain_examples([wiki_sf])
    assert code_ex["hash"] == sha256("Write a loop. for i in range(3): print(i)")
    assert code_ex["text"].startswith("Write a loop.\n\n") and code_ex["doc_id"] == "7"
    assert wiki_ex == {"text": "Title\nBody text.", "genre": "wiki", "hash": sha256("Title\nBody text."), "doc_id": "42"}


def test_shard_numbers_continue_across_splits_in_ori(sample_dir):
    val = find_pretrain_files(sample_dir, "original", "10M", "validation", ("web",))
    assert [f.path.name for f in val] == ["web0001.jsonl.zst"]
    train = find_pretrain_files(sample_dir, "leaner", "100M", "train", ("web", "math"))
    assert [(f.folder, f.genre) for f in train] == [("10M", "web"), ("10M", "math")]  # 100M = 10M + 100M folders


def test_data_dir_must_be_a_release_copy(tmp_path):
    from hf_leaner.data.corpora import get_builder

    with pytest.raises(LeanerDataError, match="nonexistent: no such folder"):
        get_builder("leaner-pretrain", "leaner-10M-web", data_dir=tmp_path / "nonexistent").download_and_prepare()
    (tmp_path / "notes").mkdir()
    with pytest.raises(LeanerDataError, match="not a TinyHelen release copy"):
        get_builder("leaner-glue", "cola", data_dir=tmp_path / "notes").download_and_prepare()


def test_config_with_no_files_is_a_clear_error(tmp_path, sample_dir):
    import shutil

    from hf_leaner import load_leaner

    copy = tmp_path / "release"
    shutil.copytree(sample_dir / "data", copy / "data")
    for p in (copy / "data" / "leaner").rglob("book*"):
        p.unlink()
    with pytest.raises(MissingSourceError) as err:
        load_leaner("leaner-pretrain", "leaner-10M-book", data_dir=copy, cache_dir=str(tmp_path / "cache"))
    msg = str(err.value)
    assert "leaner-10M-book" in msg and "leaner-10M train: web, wiki" in msg and "original-10M train: web, book" in msg
    with pytest.raises(LeanerDataError, match="no split 'test'.*splits present: train, validation"):
        load_leaner("leaner-pretrain", "leaner-10M-web", data_dir=copy, split="test", cache_dir=str(tmp_path / "cache"))


def test_count_records_counts_array_elements(sample_dir):
    path = sample_dir / "data/ori/10M/train/conversation0000.json.zst"
    assert count_records(path) == 150
