"""hf-leaner simplify: ORIGINAL release documents -> the LEANER release layout, run as a user runs it."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


from hf_leaner import cli
from hf_leaner.data.release import find_pretrain_files, iter_pretrain_examples, sha256

CLI = [sys.executable, "-m", "hf_leaner.cli"]


def _outputs(out: Path) -> tuple[dict, dict]:
    """(hash -> leaner record, hash -> failure) of a finished run; asserts nothing is listed twice."""
    kept = {}
    for path in sorted((out / "data" / "leaner").rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            rec = json.loads(line)
            assert rec["hash"] not in kept, f"{rec['hash']} written twice"
            kept[rec["hash"]] = rec
    failed = {}
    for line in (out / "failures.jsonl").read_text().splitlines():
        rec = json.loads(line)
        assert rec["hash"] not in failed and rec["hash"] not in kept, f"{rec['hash']} listed twice"
        assert rec["reason"]
        failed[rec["hash"]] = rec
    return kept, failed


def _source_hashes(shared_dir: Path, genres, limit: int) -> set:
    hashes = set()
    for g in genres:
        files = find_pretrain_files(shared_dir, "original", "10M", "validation", (g,))
        for i, (_, ex) in enumerate(iter_pretrain_examples(files)):
            if i >= limit:
                break
            hashes.add(ex["hash"])
    return hashes


def test_lexical_simplify_writes_the_release_layout(shared_dir, tmp_path, capsys):
    from hf_leaner import load_leaner
    from hf_leaner.data.text_units import common_english_words, words
    from hf_leaner.simplify.documents import OriginalReader

    out = tmp_path / "out"
    assert cli.main(["simplify", "--data", str(shared_dir), "--size", "10M", "--split", "validation", "--genres",
                     "wiki", "--backend", "lexical", "--limit", "4", "--output", str(out)]) == 0
    kept, failed = _outputs(out)
    assert set(kept) | set(failed) == _source_hashes(shared_dir, ["wiki"], 4)
    assert kept, "the offline simplifier should pass some wiki documents"
    assert (out / "data" / "leaner" / "10M" / "validation" / "wiki0001.jsonl").is_file()

    # the hash is the release's: sha256 of the original text, equal to the release's own leaner hash
    originals = {d.metadata["hash"]: d for d in OriginalReader(shared_dir, genres=("wiki",), limit=4).documents()}
    release = {ex["hash"]: ex for _, ex in iter_pretrain_examples(
        find_pretrain_files(shared_dir, "leaner", "10M", "validation", ("wiki",)))}
    core = common_english_words()

    def share(text):
        return sum(w in core for w in words(text)) / len(words(text))

    for h, rec in kept.items():
        assert set(rec) == {"idx", "text", "hash"}
        assert sha256(originals[h].text) == h and h in release
        assert rec["idx"] == int(release[h]["doc_id"])
        assert rec["text"] != originals[h].text and share(rec["text"]) > share(originals[h].text)

    # every other command reads it unchanged
    ds = load_leaner("leaner-pretrain", "leaner-10M-wiki", data_dir=out, split="validation",
                     cache_dir=str(tmp_path / "hf"))
    assert sorted(ds["hash"]) == sorted(kept)

    # hf-leaner stats puts it beside the release's GPT-4 rewrite and the original, on the same documents
    capsys.readouterr()
    assert cli.main(["stats", "--data", str(shared_dir), "--genres", "wiki", "--simplified", str(out), "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["rows"]}
    assert set(rows) == {"wiki/leaner", "wiki/original", "wiki/out"}
    assert {r["documents"] for r in rows.values()} == {len(kept)}
    assert rows["wiki/out"]["share_outside_top_2000"] < rows["wiki/original"]["share_outside_top_2000"]


def _results_lines(out: Path) -> int:
    return sum(p.read_text().count("\n") for p in (out / ".simplify" / "results").glob("*.jsonl")) \
        if (out / ".simplify" / "results").is_dir() else 0


def test_kill_and_rerun_ends_with_each_document_once(shared_dir, tmp_path):
    out = tmp_path / "out"
    genres, limit = ["wiki", "web", "textbook"], 40
    cmd = CLI + ["simplify", "--data", str(shared_dir), "--genres", *genres, "--limit", str(limit),
                 "--no-meaning-check", "--output", str(out)]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while _results_lines(out) < 3 and proc.poll() is None and time.time() < deadline:
            time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: no datatrove worker outlives it
    finally:
        proc.wait()
    expected = _source_hashes(shared_dir, genres, limit)
    assert 3 <= _results_lines(out) < len(expected), "the kill should land mid-run"
    assert not (out / "failures.jsonl").exists()
    # a write torn by a kill: the rerun must neither choke on it nor lose its document
    (next((out / ".simplify" / "results").glob("*.jsonl"))).open("a").write('{"hash": "4ab')

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    kept, failed = _outputs(out)
    assert set(kept) | set(failed) == expected
    # running again changes nothing
    before = {p: p.read_bytes() for p in out.rglob("*.jsonl") if "data" in p.parts or p.name == "failures.jsonl"}
    assert subprocess.run(cmd, capture_output=True, timeout=300).returncode == 0
    assert {p: p.read_bytes() for p in before} == before


def test_two_workers_give_the_same_output_as_one(shared_dir, tmp_path):
    runs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        cmd = CLI + ["simplify", "--data", str(shared_dir), "--genres", "wiki", "web", "--limit", "6",
                     "--no-meaning-check", "--workers", str(workers), "--output", str(out)]
        proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            stdout, stderr = proc.communicate(timeout=300)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        assert proc.returncode == 0, stderr
        if workers == 2:  # the documents really were split over two tasks
            assert len(list((out / ".simplify" / "results").glob("rank-*-of-00002.jsonl"))) == 2
        runs[workers] = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.jsonl")
                         if ".simplify" not in p.parts}
    assert runs[1] == runs[2] and len(runs[1]) >= 2


def test_bad_backend_flags_are_one_line(shared_dir, tmp_path, capsys):
    assert cli.main(["simplify", "--data", str(shared_dir), "--backend", "openai", "--output",
                     str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--base-url" in err[0]
    assert cli.main(["simplify", "--data", str(shared_dir), "--prompt", "short", "--output", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--prompt" in err[0]


def test_an_output_folder_that_would_write_over_its_inputs_is_refused_before_any_work(sample_dir, tmp_path, capsys):
    """simplify into (or inside) the release it reads would replace the release's own LEANER files; every command
    that writes beside its inputs refuses the same way (make-glue into the folder of its GLUE files here)."""
    import shutil

    release = tmp_path / "release"
    shutil.copytree(sample_dir / "data", release / "data")
    before = {p: p.read_bytes() for p in release.rglob("*") if p.is_file()}
    for out in (release, release / "out"):
        assert cli.main(["simplify", "--data", str(release), "--genres", "math", "--output", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and f"the input folder {release}, whose files it could replace" in err[0], err
    glue = release / "data" / "leaner" / "glue"
    assert cli.main(["make-glue", str(glue / "rte_validation.jsonl"), "--output_dir", str(glue)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "would write rte_validation.jsonl over the input" in err[0], err
    assert {p: p.read_bytes() for p in release.rglob("*") if p.is_file()} == before  # nothing touched


def test_every_genre_of_the_embedded_sample(sample_dir, tmp_path):
    """All seven genres through the offline path on the package's own sample: each document ends once, code
    keeps its fields, math is selected (not rewritten)."""
    out = tmp_path / "out"
    genres = ["web", "book", "wiki", "textbook", "conversation", "code", "math"]
    assert cli.main(["simplify", "--data", str(sample_dir), "--genres", *genres, "--limit", "2",
                     "--no-meaning-check", "--output", str(out)]) == 0
    kept, failed = _outputs(out)
    assert set(kept) | set(failed) == _source_hashes(sample_dir, genres, 2)
    originals = {ex["hash"]: ex for g in genres for _, ex in iter_pretrain_examples(
        find_pretrain_files(sample_dir, "original", "10M", "validation", (g,)))}
    for h, rec in kept.items():
        genre = originals[h]["genre"]
        if genre == "code":
            assert {"prompt", "response", "hash"} <= set(rec)
        elif genre == "math":
            assert {"problem", "hints"} <= set(rec)  # unchanged record
        else:
            assert rec["text"].strip()
    assert all(r["reason"] for r in failed.values())


def test_missing_originals_are_a_clear_error(sample_dir, tmp_path, capsys):
    rc = cli.main(["simplify", "--data", str(sample_dir), "--genres", "wiki", "--split", "test",
                   "--output", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc != 0 and len(err) == 1 and "no ORIGINAL shards" in err[0]


# ------------------------------------------------------------------------------------ the LLM path (real server)


def _short_wiki_release(shared_dir: Path, root: Path, n: int) -> list[str]:
    """A release copy holding the ``n`` shortest real wiki articles of the 10M validation split; their hashes."""
    import zstandard

    from hf_leaner.data.release import iter_records

    src = find_pretrain_files(shared_dir, "original", "10M", "validation", ("wiki",))[0]
    records = sorted((rec for _, rec in iter_records(src.path)), key=lambda r: len(next(iter(r.values()))))[:n]
    folder = root / "data" / "ori" / "10M" / "validation"
    folder.mkdir(parents=True)
    lines = "".join(json.dumps(r) + "\n" for r in records).encode()
    (folder / src.path.name).write_bytes(zstandard.ZstdCompressor().compress(lines))
    return [sha256(next(iter(r.values()))) for r in records]


def _simplify_openai(data: Path, out: Path, base_url: str, model: str, *extra: str) -> subprocess.CompletedProcess:
    cmd = CLI + ["simplify", "--data", str(data), "--genres", "wiki", "--backend", "openai", "--base-url", base_url,
                 "--model", model, "--max-tokens", "48", "--no-meaning-check", "--output", str(out), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def test_openai_backend_against_the_local_server(llm_server, shared_dir, tmp_path):
    data = tmp_path / "release"
    hashes = _short_wiki_release(shared_dir, data, 1)  # one short article: the CPU model is slow
    done = _simplify_openai(data, tmp_path / "out", llm_server.base_url, llm_server.model, "--concurrency", "2")
    assert done.returncode == 0, done.stderr
    kept, failed = _outputs(tmp_path / "out")
    assert set(kept) | set(failed) == set(hashes)
    for rec in kept.values():  # whatever the small model managed passed every check
        assert set(rec) == {"idx", "text", "hash"} and rec["text"].strip()
    stats = json.loads((tmp_path / "out" / ".simplify" / "logs" / "tasks-1" / "stats.json").read_text())
    steps = {s["name"].split(": ", 1)[1]: s["stats"] for s in stats}
    for rec in failed.values():  # and what it did not is recorded with why, after one more try
        assert rec["reason"].startswith("chunk ")
        if "unparseable answer" in rec["reason"] or "core-vocabulary" in rec["reason"]:
            retried = steps["✅ validate rewrites"]["chunks_retried"]
            assert (retried["total"] if isinstance(retried, dict) else retried) >= 1
    assert "rewritten" in done.stdout and "documents/s" in done.stdout


def test_small_model_settings_against_the_local_server(llm_server, shared_dir, tmp_path):
    """--chunk_tokens and --prompt short, as a user of a ~100M model runs them: every request holds a chunk of
    about that budget in one plain user turn, with an answer budget of its own; our rules hold in what is kept."""
    import sqlite3

    from hf_leaner.simplify.chunking import approx_tokens, chunk_document
    from hf_leaner.simplify.documents import OriginalReader
    from hf_leaner.simplify.prompts import SHORT_REQUEST
    from hf_leaner.simplify.rules import private_data

    data = tmp_path / "release"
    hashes = _short_wiki_release(shared_dir, data, 3)
    out = tmp_path / "out"
    done = _simplify_openai(data, out, llm_server.base_url, llm_server.model, "--chunk_tokens", "24",
                            "--prompt", "short", "--max_tokens", "64", "--max_attempts", "3")
    assert done.returncode == 0, done.stderr
    kept, failed = _outputs(out)
    assert set(kept) | set(failed) == set(hashes)
    # the chunks the articles cut into at 24 tokens: whole sentences, one longer sentence alone
    chunks = {c["text"] for d in OriginalReader(data, genres=("wiki",)).documents()
              for c in chunk_document(d.text, "wiki", budget=24) if c["kind"] == "prose"}
    assert len(chunks) > 3  # the three articles went out in several small chunks
    db = sqlite3.connect(out / ".simplify" / "llm-cache" / "llm_cache.sqlite")
    requests = [json.loads(r) for (r,) in db.execute("SELECT request FROM replies")]
    assert {r["messages"][-1]["content"][len(SHORT_REQUEST):].strip() for r in requests} == chunks
    for req in requests:
        (turn,) = req["messages"]
        assert turn["role"] == "user" and turn["content"].startswith(SHORT_REQUEST + "\n\n")
        chunk = turn["content"][len(SHORT_REQUEST):].strip()
        assert req["max_tokens"] == min(64, 2 * approx_tokens(chunk) + 24)
        # a first ask is greedy; each retry samples with a seed of its own (else it would get the same answer)
        assert (req["temperature"], req.get("seed")) in {(0.0, None), (0.7, 1), (0.7, 2)}
    for rec in kept.values():
        assert not private_data(rec["text"])


def test_endpoint_faults_are_retried_then_recorded(fault_proxy, llm_server, shared_dir, tmp_path):
    data = tmp_path / "release"
    hashes = _short_wiki_release(shared_dir, data, 1)
    # transient faults, one after the other: the client retries each (backoff, Retry-After) and gets through
    url, counter = fault_proxy(["429:1", "500", "truncated", "garbage", "empty", "forward*"])
    done = _simplify_openai(data, tmp_path / "out1", url, llm_server.model, "--max-attempts", "1", "--max-retries", "6")
    assert done.returncode == 0, done.stderr
    kept, failed = _outputs(tmp_path / "out1")
    assert set(kept) | set(failed) == set(hashes)
    assert int(counter.read_text()) >= 1, "the request got through to the server after the faults"
    assert all("http" not in r["reason"] and "empty reply" not in r["reason"] for r in failed.values()), failed
    stats = json.loads(counter.with_name(counter.name + ".stats.json").read_text())
    assert stats["received"] >= 6

    # a fault that does not go away: recorded as that document's failure, nothing written as text
    url, counter = fault_proxy(["503*"])
    done = _simplify_openai(data, tmp_path / "out2", url, llm_server.model, "--max-retries", "2")
    assert done.returncode == 0, done.stderr
    kept, failed = _outputs(tmp_path / "out2")
    assert not kept and set(failed) == set(hashes)
    assert all("503" in r["reason"] and r["retried_next_run"] for r in failed.values()), failed
    assert int(counter.read_text()) == 0 and "run the same command again" in done.stdout

    # the endpoint is back: the rerun asks for that document again instead of keeping the outage's failure
    url, counter = fault_proxy(["forward*"])
    done = _simplify_openai(data, tmp_path / "out2", url, llm_server.model, "--max-retries", "2")
    assert done.returncode == 0, done.stderr
    assert int(counter.read_text()) >= 1
    kept, failed = _outputs(tmp_path / "out2")
    assert set(kept) | set(failed) == set(hashes) and not any("503" in r["reason"] for r in failed.values())

    def skipped(*extra):
        done = _simplify_openai(data, tmp_path / "out2", url, llm_server.model, "--max-retries", "2", *extra)
        assert done.returncode == 0, done.stderr
        stats = json.loads((tmp_path / "out2" / ".simplify" / "logs" / "tasks-1" / "stats.json").read_text())
        skip = next(s["stats"] for s in stats if s["name"].endswith("skip finished documents"))
        value = skip.get("already_done", 0)
        return value["total"] if isinstance(value, dict) else value

    assert skipped() == 1  # rewritten or failed a check: final under the same settings
    # a setting that decides the checks changed: a failed check is tried again, a rewrite stays
    assert skipped("--min_core_share", "0.5") == (1 if kept else 0)


def test_the_rules_the_offline_simplifier_applies():
    from hf_leaner.simplify.lexical import LexicalSimplifier
    from hf_leaner.simplify.prompts import AnswerFormatError, parse_answer
    from hf_leaner.simplify.rules import private_data

    s = LexicalSimplifier()
    text = ("Albert Einstein moved to Paris on March 3, 1921. Write to a.b@example.org, call +1 415-555-0100 "
            "or see <b>https://example.org/x</b>. The physicist utilized many approaches.")
    out = s.simplify(text)
    assert "Einstein" not in out and out.startswith("Amy ")           # a name from our list, same initial
    assert "XX city" in out and "1921" not in out and "one day" in out
    assert not private_data(out) and "<b>" not in out
    assert "scientist" in out and "used" in out                        # rarer words swapped, inflection kept
    assert parse_answer("ok <simple> Hi. </simple>") == "Hi."
    for bad in ("", "<simple></simple>", "<simple>a</simple><simple>b</simple>"):
        with pytest.raises(AnswerFormatError):
            parse_answer(bad)


# replies SmolLM2-135M-Instruct gave to real 10M-validation chunks (greedy), kept as it wrote them
MALCOLM = ("Malcolm IV of Scotland\nMalcolm IV of Scotland (c. 1141- December 9, 1165) was the grandson of David I of "
           "Scotland. He succeeded his grandfather as King of Scotland in 1153.")
BASQUE = ("Tag Archives: torture\nEUSKADI TA ASKATASUNA DECLARES PERMANENT CEASEFIRE\nPosted by Unruly Hearts on July 26, "
          "2015\nBasque separatist group says ceasefire called four months ago will be permanent and verifiable by "
          "international observers")
EBOLA = ("Second American Infected With Ebola\nPosted By Erica Bettencourt Mon, Jul 28, 2014 @ 12:28 PM\n"
         "By Joe Sutton and Holly Yan")
ACACIA = ("Acacia cyclops\nThe red-eyed wattle or western coastal wattle (\"Acacia cyclops\") is an Australian tree. "
          "It is in the plant family Fabaceae.")


def test_the_answer_parser_on_replies_a_small_model_gives():
    from hf_leaner.simplify.prompts import PROSE_EXAMPLE, AnswerFormatError, parse_answer

    taken = {  # (reply, chunk) -> the rewrite we keep
        ("Malcolm IV of Scotland was a king of Scotland.", MALCOLM): "Malcolm IV of Scotland was a king of Scotland.",
        ("Sure! Here's a simpler version:\nMalcolm was a king. His grandfather was a king too.", MALCOLM):
            "Malcolm was a king. His grandfather was a king too.",
        ("Simple text: Malcolm was a king.", MALCOLM): "Malcolm was a king.",
        (f"Text: {MALCOLM}\n\nMalcolm was a king long ago.", MALCOLM): "Malcolm was a king long ago.",
        ("Second American Infected with Ebola.\n\nThis is a simple sentence that conveys the idea of a disease "
         "spreading from one person to another.", EBOLA): "Second American Infected with Ebola.",
        ("<simple>Malcolm was a king of a country long ago.", MALCOLM): "Malcolm was a king of a country long ago.",
        ("Here is the text: <simple>A tree from a far land.</simple> I hope this helps!", ACACIA):
            "A tree from a far land.",
    }
    for (reply, chunk), want in taken.items():
        assert parse_answer(reply, chunk) == want, reply
    refused = {  # reply -> chunk: no rewrite in it
        "Malcolm IV of Scotland (c. 1141- December 9, 1165) was the grandson of David I of Scotland. He succeeded his "
        "grandfather as King of Scotland in 1153.": MALCOLM,                                   # the input, echoed
        f"<simple>{MALCOLM}</simple>": MALCOLM,                                                # echoed inside the block
        f"<simple>{PROSE_EXAMPLE[1]}</simple>": ACACIA,                                        # our worked example
        "Basque separatist group says ceasefire called four months ago will be permanent and verifiable by "
        "international observers.\n\nRewrite:\n\nBasque separatist group says ceasefire called four months ago will "
        "be permanent and verifiable by international observers.\n\nRewrite:\n\nBasque separatist group says "
        "ceasefire called four months ago will be permanent": BASQUE,                          # a loop
        "Acacia cyclops is a tree that is found in Australia. It is a tree that is found in Australia. It is a tree "
        "that is found in Australia. It is a tree that is found in Australia.": ACACIA,        # a loop
        "Sure, I can help you with that!": ACACIA,                                             # chatter alone
        "Here is the simplified text:": ACACIA,                                                # a preamble alone
    }
    for reply, chunk in refused.items():
        with pytest.raises(AnswerFormatError):
            parse_answer(reply, chunk)
    # a code block whose comments are plain already comes back unchanged, and that is right
    code = "def f(x):\n    # add one\n    return x + 1"
    assert parse_answer(f"<simple>{code}</simple>", code, kind="code") == code
