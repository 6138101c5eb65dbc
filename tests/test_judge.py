"""`hf-leaner judge` end to end: instruct -> generate -> judge against the real local endpoint (a separate
`transformers serve` process), a kill -9 mid-judging, a rerun that asks only what was not answered (counted by
the fault proxy), and injected faults that end as scores or as recorded failures with their reason."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import proxy_stats
from hf_leaner.evaluation.judge import EXAMPLE_REPLY, parse_reply

CLI = [sys.executable, "-m", "hf_leaner.cli"]


def _run(args, **kw):
    return subprocess.run(CLI + args, capture_output=True, text=True, timeout=900, **kw)


def test_reply_parsing_undoes_the_shuffle_and_names_what_is_wrong():
    order = ["b", "a"]
    reply = ('Sure! ```json\n{"ratings": [{"answer": 1, "grammar": 4, "coherence": 3, "specificity": 2}, '
             '{"answer": 2, "grammar": 1, "coherence": 0, "specificity": 5}]}\n```')
    assert parse_reply(reply, order) == {"b": {"grammar": 4.0, "coherence": 3.0, "specificity": 2.0},
                                         "a": {"grammar": 1.0, "coherence": 0.0, "specificity": 5.0}}
    bad = {"The first answer is better.": "no JSON object",
           '{"ratings": [{"answer": 1, "grammar": 4, "coherence": 3, "specificity": 2}]}': "answer(s) 2 not rated",
           '{"ratings": [{"answer": 1, "grammar": 9, "coherence": 3, "specificity": 2}]}': "grammar of answer 1 is 9",
           '{"ratings": [{"answer": 3, "grammar": 1, "coherence": 3, "specificity": 2}]}': "names answer 3",
           '{"ratings": [{"answer": 1, "grammar": 1, "coherence": 3, "specificity": 2},': "does not parse",
           '{"scores": []}': "no 'ratings' list",
           EXAMPLE_REPLY: "a copy of the prompt's worked example",  # echoed, whatever the answers said
           "Here you go: " + EXAMPLE_REPLY.replace(", ", ","): "a copy of the prompt's worked example"}
    for text, why in bad.items():
        with pytest.raises(ValueError, match=why.replace("(", r"\(").replace(")", r"\)")):
            parse_reply(text, order)


@pytest.fixture(scope="module")
def answers(tmp_path_factory, tiny_model):
    """instruct (the command, full fine-tuning) -> generate (the command) for the untuned and the tuned model."""
    root = tmp_path_factory.mktemp("pipeline")
    base = tiny_model("llama")
    r = _run(["instruct", str(base), "--output_dir", str(root / "tuned"), "--max_steps", "3", "--batch_size", "8"])
    assert r.returncode == 0, r.stderr[-2000:]
    r = _run(["generate", str(base), str(root / "tuned"), "--output_dir", str(root / "answers"), "--max_questions",
              "1", "--max_new_tokens", "16"])
    assert r.returncode == 0, r.stderr[-2000:]
    files = [root / "answers" / f"{base.name}.jsonl", root / "answers" / "tuned.jsonl"]
    assert [len(f.read_text().splitlines()) for f in files] == [2, 2]  # first question of split-0-7, inner_comparison
    return files


def _judge(base_url, model, files, out, *extra):
    return CLI + ["judge", "--base_url", base_url, "--model", model, "--answers", *map(str, files),
                  "--output_dir", str(out), *extra]


def _cached(out) -> int:
    from hf_leaner.llm.client import ReplyCache

    path = out / "llm_cache"
    if not (path / "llm_cache.sqlite").is_file():
        return 0
    cache = ReplyCache(path)
    try:
        return len(cache)
    finally:
        cache.close()


# a well-formed judgement for any two answers (the 135M judge mostly echoes the worked example, which is refused)
RATED = ('{"ratings": [{"answer": 1, "grammar": 3, "coherence": 2, "specificity": 3}, '
         '{"answer": 2, "grammar": 2, "coherence": 3, "specificity": 1}]}')


def test_judge_kill_9_then_rerun_asks_only_the_unanswered(answers, llm_server, fault_proxy, tmp_path):
    out = tmp_path / "judge"
    # the first request gets a judgement, the second hangs (the kill comes then), every later one gets a judgement
    url, counter = fault_proxy([f"reply:{RATED}", "timeout:60", f"reply:{RATED}*"])
    proc = subprocess.Popen(_judge(url, llm_server.model, answers, out, "--concurrency", "1"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 600
    while _cached(out) < 1 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the judge ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    answered = _cached(out)
    prompts = 2 * 2  # 2 questions x 2 orders
    assert answered == 1
    assert not (out / "results.json").exists()
    received = proxy_stats(counter)["received"]

    r = subprocess.run(_judge(url, llm_server.model, answers, out, "--concurrency", "2"), capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    # the same endpoint was asked only what was not answered
    assert proxy_stats(counter)["received"] - received == prompts - answered
    lines = [json.loads(x) for x in (out / "judgements.jsonl").read_text().splitlines()]
    assert len(lines) == 2 and all(x["status"] in ("scored", "scored (one order)", "failed") for x in lines)
    for x in lines:
        assert ("scores" in x) != (x["status"] == "failed") and (x["status"] != "failed" or x["failure"])
        assert sorted(x["order_a"]) == sorted(x["order_b"]) == sorted(x["order_b"][::-1])
        assert x["order_a"] == x["order_b"][::-1]
    results = json.loads((out / "results.json").read_text())
    assert set(results["per_model"]) == {answers[0].stem, "tuned"}
    for r_ in results["per_model"].values():
        assert {"grammar", "coherence", "specificity", "sum", "failure_rate", "order_agreement"} <= set(r_)
        if r_["sum"] is not None:
            assert 0 <= r_["sum"] <= 15 and r_["sum"] == pytest.approx(r_["grammar"] + r_["coherence"]
                                                                       + r_["specificity"])
    assert set(results["subsets"]) == {"split-0-7", "inner_comparison"}
    assert "order agreement" in r.stdout and "failure rate" in r.stdout

    # a repeated run asks nothing (all from the cache) and pushes each model's scores to its repo on a local hub
    from conftest import local_hub

    with local_hub(tmp_path / "hub", token="t0k") as (hub_url, _):
        env = {**os.environ, "HF_ENDPOINT": hub_url, "HF_TOKEN": "t0k", "HF_HOME": str(tmp_path / "hf_home"),
               "HF_HUB_OFFLINE": "0"}
        received = proxy_stats(counter)["received"]
        r = subprocess.run(_judge(url, llm_server.model, answers, out, "--push_to_hub", "me/base", "me/tuned"),
                           capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert proxy_stats(counter)["received"] == received and r.stdout.count("pushed ") == 2
    import yaml

    for repo in ("base", "tuned"):
        entries = yaml.safe_load((tmp_path / "hub" / "models" / "me" / repo / ".eval_results/leaner-eval.yaml")
                                 .read_text()) or []
        assert all(e["dataset"]["task_id"].startswith("leaner-eval-") for e in entries)
        assert "t0k" not in (tmp_path / "hub" / "models" / "me" / repo / ".eval_results/leaner-eval.yaml").read_text()


def test_injected_faults_end_scored_or_listed_failed_with_the_reason(answers, llm_server, fault_proxy, tmp_path):
    # transient faults, one per first attempt and on retries: every one is retried, none becomes a score
    url, counter = fault_proxy(["429:1", "500", "truncated", "empty", "garbage", "timeout:3"])
    r = _run(["judge", "--base_url", url, "--model", llm_server.model, "--answers", *map(str, answers),
              "--output_dir", str(tmp_path / "transient"), "--concurrency", "4"])
    assert r.returncode == 0, r.stderr[-2000:]
    results = json.loads((tmp_path / "transient" / "results.json").read_text())
    assert results["usage"]["retries"] >= 6
    print("transient faults:", results["usage"], [x["status"] for x in
                                                  map(json.loads, (tmp_path / "transient" / "judgements.jsonl")
                                                      .read_text().splitlines())])
    lines = [json.loads(x) for x in (tmp_path / "transient" / "judgements.jsonl").read_text().splitlines()]
    for x in lines:  # each reply is the real model's, parsed or recorded as unparseable
        assert x["status"] != "failed" or "unparseable reply" in x["failure"]
        assert all(t and "garbage" not in t for t in x["replies"])
    # a server that keeps failing: every question listed as failed with why, and no score anywhere
    url, counter = fault_proxy(["500*"])
    r = _run(["judge", "--base_url", url, "--model", llm_server.model, "--answers", *map(str, answers),
              "--output_dir", str(tmp_path / "down"), "--max_retries", "1"])
    assert r.returncode == 0, r.stderr[-2000:]
    results = json.loads((tmp_path / "down" / "results.json").read_text())
    assert len(results["failures"]) == 2 and all("http 500" in f["reason"] for f in results["failures"])
    assert all(m["failure_rate"] == 1.0 and m["sum"] is None for m in results["per_model"].values())
    assert int(counter.read_text()) == 0 and "failed (no score)" in r.stdout and "http 500" in r.stdout
    print(r.stdout[r.stdout.index("failed (no score)"):])
    # ... and it says so at once, in one line per kind of fault, not only in the final table
    said = [line for line in r.stderr.splitlines() if "http 500" in line]
    assert len(said) == 2 and "retrying with backoff" in said[0] and "recorded as a failed request" in said[1], r.stderr
    # nothing listens: the first seconds say the endpoint cannot be reached; every question is a recorded failure;
    # a key written into the URL's userinfo is printed and stored nowhere
    t0 = time.time()
    r = _run(["judge", "--base_url", "http://me:sk-Key0In1Url@127.0.0.1:9/v1", "--model", "m", "--answers",
              *map(str, answers), "--output_dir", str(tmp_path / "nobody")])
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr  # at once: no retries against a closed port
    assert "http://127.0.0.1:9/v1: nothing answers there" in r.stderr and time.time() - t0 < 60
    assert "sk-Key0In1Url" not in r.stdout + r.stderr
    assert not [f for f in tmp_path.rglob("*") if f.is_file() and b"sk-Key0In1Url" in f.read_bytes()]


def test_a_long_retry_after_waits_at_most_the_timeout_and_says_so(answers, llm_server, fault_proxy, tmp_path):
    url, counter = fault_proxy(["429:600*"])  # the endpoint asks for ten minutes, every time
    t0 = time.time()
    r = _run(["judge", "--base_url", url, "--model", llm_server.model, "--answers", *map(str, answers),
              "--output_dir", str(tmp_path / "busy"), "--max_retries", "1", "--timeout", "2"])
    assert r.returncode == 0, r.stderr[-2000:]
    assert time.time() - t0 < 120  # two questions x one retry, each wait capped at 2 s (not 600)
    said = [line for line in r.stderr.splitlines() if "asks to wait" in line]
    assert len(said) == 1 and "asks to wait 600 s; waiting 2 s (at most the timeout)" in said[0], r.stderr
    results = json.loads((tmp_path / "busy" / "results.json").read_text())
    assert len(results["failures"]) == 2 and all("429" in f["reason"] for f in results["failures"])


def test_replies_that_do_not_parse_are_never_cached_and_the_cache_is_per_endpoint(answers, llm_server, fault_proxy,
                                                                                     tmp_path):
    """A 200 reply that is an error text, or a copy of the worked example, is a recorded failure and is not cached:
    the rerun against a working endpoint asks again and scores."""
    from hf_leaner.evaluation.judge import EXAMPLE_REPLY

    out = tmp_path / "judge"
    for text in ("Error: the model is overloaded, try again later", EXAMPLE_REPLY):
        url, counter = fault_proxy([f"reply:{text}*"])
        r = subprocess.run(_judge(url, llm_server.model, answers, out), capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr[-2000:]
        results = json.loads((out / "results.json").read_text())
        assert len(results["failures"]) == 2 and all("unparseable reply" in f["reason"] for f in results["failures"])
        assert _cached(out) == 0
    url, counter = fault_proxy([f"reply:{RATED}*"])  # now an endpoint that judges
    r = subprocess.run(_judge(url, llm_server.model, answers, out), capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    assert results["usage"]["requests"] == 4 and results["usage"]["cache_hits"] == 0  # asked again, nothing reused
    assert results["judge"]["endpoint"] == url and not results["failures"] and _cached(out) == 4


@pytest.mark.parametrize("args, culprit", [
    ("judge --base_url ftp://x --answers {tmp}/a.jsonl --output_dir {tmp}/o", "--base_url 'ftp://x'"),
    ("judge --base_url http://127.0.0.1:9/v1 --answers {tmp}/a.jsonl --output_dir {tmp}/o", "--model is required"),
    ("judge --base_url local --answers {tmp}/bad.jsonl --output_dir {tmp}/o", "bad.jsonl:2: field 'answer'"),
    ("judge --base_url local --answers {tmp}/dup.jsonl --output_dir {tmp}/o", "dup.jsonl:2: id 'q1' again (first at "
                                                                               "line 1)"),
    ("judge --base_url local --answers {tmp}/a.jsonl {tmp}/other.jsonl --output_dir {tmp}/o",
     "other.jsonl:1: id 'q1' is the question 'How?', but"),
    ("generate {tmp} --output_dir {tmp}/o --temperature 0.5", "--temperature"),
])
def test_bad_judge_and_generate_command_lines_are_one_line(tmp_path, args, culprit):
    row = {"id": "q1", "question": "Why?", "answer": "Because.", "model": "m"}
    (tmp_path / "a.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "bad.jsonl").write_text(json.dumps(row) + "\n" + json.dumps({**row, "answer": None}) + "\n")
    (tmp_path / "dup.jsonl").write_text(json.dumps(row) + "\n" + json.dumps({**row, "answer": "Other."}) + "\n")
    (tmp_path / "other.jsonl").write_text(json.dumps({**row, "question": "How?"}) + "\n")
    r = _run(args.format(tmp=tmp_path).split())
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert culprit in r.stderr and not (tmp_path / "o").exists()
