"""`hf-leaner make-glue` and `hf-leaner make-eval` through the real local endpoint (SmolLM2-135M served by
`transformers serve`, behind the counting proxy): label survival reported, questions de-duplicated and bucketed,
and a run killed half-way resumes from the reply cache, asking nothing twice."""

import json
import shutil
import subprocess
import time

from conftest import CLI, cached_replies

from hf_leaner.cli import main


def _cached(out):
    return cached_replies(out / "llm_cache" / "llm_cache.sqlite")


def _kill_after_first_reply(args, out) -> int:
    """Run the command in a child, SIGKILL it once one reply is cached; the number of cached replies."""
    child = subprocess.Popen(CLI + args)
    deadline = time.monotonic() + 300
    while _cached(out) < 1 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    child.kill()  # SIGKILL, mid-run
    assert child.wait() == -9, "the run ended before it could be killed"
    return _cached(out)


def test_make_glue_survival_and_resume_after_kill(fault_proxy, llm_server, sample_dir, tmp_path, capsys):
    base_url, counter = fault_proxy([])
    src = tmp_path / "sst2_validation.jsonl"
    shutil.copy(sample_dir / "data/leaner/glue/sst2_validation.jsonl", src)
    out = tmp_path / "glue"
    args = ["make-glue", str(src), "--max_examples", "2", "--base_url", base_url, "--model", llm_server.model,
            "--max_tokens", "24", "--concurrency", "1", "--output_dir", str(out)]
    before = _kill_after_first_reply(args, out)  # talks to the proxy: no server of its own
    assert main(args) == 0
    report = json.loads((out / "report.json").read_text())
    task = report["tasks"]["sst2_validation"]
    assert task["examples"] == 2 and task["judged"] + task["failures"] == 2
    assert task["label_survival_rate"] is None or 0 <= task["label_survival_rate"] <= 1
    kept = [json.loads(line) for line in (out / "sst2_validation.jsonl").read_text().splitlines()]
    dropped = [json.loads(line) for line in (out / "dropped.jsonl").read_text().splitlines()]
    assert len(kept) + len(dropped) == 2 and all("original" in k for k in kept)
    assert all(d["reason"].startswith(("label changed", "rewrite failed", "rewrite not kept", "judge failed"))
               for d in dropped)
    # 2 rewrites + 2 verdicts: the rerun sent only what the killed run had no reply for
    assert before < 4 and report["llm"]["requests"] - report["llm"]["retries"] == 4 - before
    assert "label survival" in capsys.readouterr().out
    forwarded = int(counter.read_text())
    assert main(args) == 0  # finished: a third run asks nothing
    assert json.loads((out / "report.json").read_text())["llm"]["requests"] == 0
    assert int(counter.read_text()) == forwarded


def test_make_eval_dedups_buckets_and_resumes_after_kill(fault_proxy, llm_server, sample_dir, tmp_path):
    base_url, _ = fault_proxy([])
    seeds = sample_dir / "data/leaner/eval/all.jsonl"
    out = tmp_path / "eval"
    args = ["make-eval", str(seeds), "--n_questions", "3", "--base_url", base_url, "--model",
            llm_server.model, "--max_tokens", "24", "--concurrency", "1", "--output_dir", str(out)]
    before = _kill_after_first_reply(args, out)
    assert main(args) == 0
    report = json.loads((out / "report.json").read_text())
    assert before < 3 and report["llm"]["requests"] - report["llm"]["retries"] == 3 - before
    assert report["requested"] == 3
    assert report["kept"] + report["near_duplicates"] + report["exact_duplicates"] + report["failed"] + \
        report["not_questions"] == 3
    rows = [json.loads(line) for name in report["buckets"] for line in (out / f"{name}.jsonl").read_text().splitlines()]
    assert len(rows) == report["kept"] == sum(report["buckets"].values())
    assert len({r["question"].lower() for r in rows}) == len(rows)
    for name, lo in (("split-0-7", 0), ("split-7-8", .7), ("split-8-9", .8), ("split-9-10", .9)):
        assert all(r["similarity"] >= lo for r in map(json.loads, (out / f"{name}.jsonl").read_text().splitlines()))
    assert main(args) == 0  # resumed from the cache: nothing asked again
    assert json.loads((out / "report.json").read_text())["llm"]["requests"] == 0


def test_chatter_and_error_text_never_become_benchmark_data(fault_proxy, sample_dir, tmp_path):
    """An endpoint that answers every request with chatter or an error text (a 200 reply): nothing is kept, every
    example and question is dropped with why."""
    src = tmp_path / "rte_validation.jsonl"
    shutil.copy(sample_dir / "data/leaner/glue/rte_validation.jsonl", src)
    seeds = sample_dir / "data/leaner/eval/all.jsonl"
    for i, text in enumerate(["Sure! Here is the simple version:", "Error: the model is overloaded, try again later"]):
        base_url, _ = fault_proxy([f"reply:{text}*"])
        out = tmp_path / f"glue{i}"
        assert main(["make-glue", str(src), "--max_examples", "4", "--base_url", base_url, "--model", "m",
                     "--output_dir", str(out)]) == 0
        assert (out / "rte_validation.jsonl").read_text().strip() == ""
        dropped = [json.loads(line) for line in (out / "dropped.jsonl").read_text().splitlines()]
        assert len(dropped) == 4 and all(d["reason"].startswith("rewrite not kept") for d in dropped), dropped
        out = tmp_path / f"eval{i}"
        assert main(["make-eval", str(seeds), "--n_questions", "3", "--base_url", base_url, "--model", "m",
                     "--output_dir", str(out)]) == 0
        report = json.loads((out / "report.json").read_text())
        assert report["kept"] == 0 and report["not_questions"] == 3, report
