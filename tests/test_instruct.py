"""Instruction data, `hf-leaner instruct` and `hf-leaner generate`, run as a user runs them."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from hf_leaner.utils.errors import LeanerDataError
from hf_leaner.data.instructions import load_instruction_records, release_split, render_prompt

CLI = [sys.executable, "-m", "hf_leaner.cli"]


def _run(args, **kw):
    return subprocess.run(CLI + args, capture_output=True, text=True, timeout=600, **kw)


def _write(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_release_file_splits_do_not_overlap_and_use_its_template(sample_dir):
    parts = {s: load_instruction_records(sample_dir, s) for s in ("train", "validation", "test")}
    hashes = {s: {r["hash"] for r in rows} for s, rows in parts.items()}
    assert len(parts["train"]) == 157 and len(parts["validation"]) == 1 and len(parts["test"]) == 2
    assert not (hashes["train"] & hashes["validation"]) and not (hashes["train"] & hashes["test"])
    n = 100_000  # the release's scale: validation is its [98%:99%], test its [99%:], train what is left before
    assert [release_split(n, s) for s in ("train", "validation", "test")] == [(0, 98_000), (98_000, 99_000),
                                                                               (99_000, 100_000)]
    assert render_prompt("Say hi.", "to Tom") == "### TASK INPUT:\nSay hi.\nto Tom\n\n### RESPONSE:\n"
    assert render_prompt("Say hi.", "") == "### TASK INPUT:\nSay hi.\n\n### RESPONSE:\n"


def test_other_shapes_our_layout_alpaca_json_parquet_messages(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rec = {"instruction": "Name a color.", "input": "", "output": "Blue."}
    ours = tmp_path / "ours"
    _write(ours / "data/leaner/instruct/train.jsonl", [rec] * 3)
    _write(ours / "data/leaner/instruct/validation.jsonl", [{**rec, "output": "Red."}])
    assert [r["output"] for r in load_instruction_records(ours, "validation")] == ["Red."]
    (tmp_path / "alpaca.json").write_text(json.dumps([rec] * 10))  # alpaca-cleaned's own file: one JSON array
    assert len(load_instruction_records(tmp_path / "alpaca.json")) == 8  # its last 2 rows: validation and test
    pq.write_table(pa.Table.from_pylist([rec] * 5), tmp_path / "a.parquet")
    assert load_instruction_records(tmp_path / "a.parquet")[0]["output"] == "Blue."
    chat = [{"messages": [{"role": "user", "content": "Hi?"}, {"role": "assistant", "content": "Hello."}]}] * 4
    r = load_instruction_records(_write(tmp_path / "chat.jsonl", chat))[0]
    assert (r["instruction"], r["output"], r["input"]) == ("Hi?", "Hello.", "")
    bad = _write(tmp_path / "bad.jsonl", [rec, rec, {"instruction": "x", "input": ""}] + [rec] * 5)
    with pytest.raises(LeanerDataError, match=r"bad\.jsonl:3: field 'output'"):
        load_instruction_records(bad)


def test_completion_only_labels(tiny_model):
    """Real labels from trl's collator: the prompt's tokens are -100, the response's (EOS included) are not."""
    from hf_leaner.train.instruct import InstructArguments, build_trainer

    trainer, tok, _ = build_trainer(InstructArguments(model=str(tiny_model("llama")), output_dir="unused", max_steps=1))
    batch = next(iter(trainer.get_train_dataloader()))
    for ids, labels, mask in zip(batch["input_ids"], batch["labels"], batch["attention_mask"]):
        ids, labels = ids[mask.bool()].tolist(), labels[mask.bool()].tolist()
        text = tok.decode(ids)
        prompt_len = len(tok(text[: text.index("### RESPONSE:\n") + len("### RESPONSE:\n")],
                             add_special_tokens=False)["input_ids"])
        assert set(labels[:prompt_len]) == {-100}
        assert labels[prompt_len:] == ids[prompt_len:] and ids[-1] == tok.eos_token_id


@pytest.fixture(scope="module")
def tuned(tmp_path_factory, tiny_model):
    """`hf-leaner instruct` with LoRA (merged when saved) on the sample's LEANER-Instruct file."""
    out = tmp_path_factory.mktemp("tuned") / "lora"
    r = _run(["instruct", str(tiny_model("llama")), "--output_dir", str(out), "--max_steps", "4", "--batch_size",
              "8", "--lora_r", "4"])
    assert r.returncode == 0, r.stderr[-2000:]
    assert "LoRA r=4 (merged)" in r.stdout and "val loss" in r.stdout
    return out


def test_instruct_saves_a_plain_model_that_generates(tuned):
    from transformers import AutoModelForCausalLM

    assert not (tuned / "adapter_config.json").exists()
    model = AutoModelForCausalLM.from_pretrained(tuned)
    assert not any("lora" in n for n, _ in model.named_parameters())
    summary = json.loads((tuned / "hf_leaner_instruct.json").read_text())
    assert summary["steps"] == 4 and summary["train_examples"] == 157


def test_bad_records_and_questions_are_one_line(tmp_path, tiny_model):
    bad = _write(tmp_path / "inst.jsonl", [{"instruction": "a", "output": "b"}, {"instruction": "a", "output": 3}])
    r = _run(["instruct", str(tiny_model("llama")), "--data", str(bad), "--output_dir", str(tmp_path / "o")])
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0
    assert f"{bad}:2: field 'output'" in r.stderr
    q = _write(tmp_path / "q.jsonl", [{"question": "Why?"}, {"prompt": "no question"}])
    r = _run(["generate", str(tiny_model("llama")), "--data", str(q), "--output_dir", str(tmp_path / "g")])
    assert r.returncode == 2 and f"{q}:2: field 'question'" in r.stderr and r.stderr.strip().count("\n") == 0


def test_unbounded_lengths_are_bounded_or_refused(tmp_path, tiny_model):
    q = _write(tmp_path / "q.jsonl", [{"question": "Why is the sky blue?"}])
    r = _run(["generate", str(tiny_model("llama")), "--data", str(q), "--output_dir", str(tmp_path / "g"),
              "--max_new_tokens", "1000000"])
    assert r.returncode == 0, r.stderr[-2000:]
    assert "answers capped at" in r.stdout and "--max_new_tokens asked for 1,000,000" in r.stdout
    (answers,) = (tmp_path / "g").glob("*.jsonl")
    (answer,) = [json.loads(x) for x in answers.read_text().splitlines()]
    assert answer["question"] == "Why is the sky blue?"
    # other generation settings: the answer is made again, the old one kept aside (never reported as this run's)
    r = _run(["generate", str(tiny_model("llama")), "--data", str(q), "--output_dir", str(tmp_path / "g"),
              "--max_new_tokens", "5"])
    assert r.returncode == 0 and "1 answered, 0 already done" in r.stdout, r.stdout
    (again,) = [json.loads(x) for x in answers.read_text().splitlines()]
    assert again["generation"]["max_new_tokens"] == 5 and again["weights"] == answer["weights"]
    assert json.loads(answers.with_suffix(".stale.jsonl").read_text())["generation"]["max_new_tokens"] == 1_000_000
    r = _run(["instruct", str(tiny_model("llama")), "--data", str(q), "--output_dir", str(tmp_path / "o"),
              "--num_train_epochs", "1e30"])
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "more than 1,000 passes" in r.stderr, r.stderr


def test_generate_resumes_after_kill_9(tmp_path, tuned):
    questions = _write(tmp_path / "q.jsonl", [{"question": f"What is thing number {i}?"} for i in range(40)])
    out = tmp_path / "answers"
    args = ["generate", str(tuned), "--data", str(questions), "--output_dir", str(out), "--batch_size", "2",
            "--max_new_tokens", "24"]
    proc = subprocess.Popen(CLI + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    answers = out / "lora.jsonl"
    deadline = time.time() + 300
    while time.time() < deadline and (not answers.exists() or answers.read_text().count("\n") < 4):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = answers.read_text().count("\n")
    assert 4 <= before < 40, before  # killed mid-run
    with open(answers, "a") as f:
        f.write('{"id": "q:40", "question": "What is th')  # a line cut by the kill
    r = _run(args)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"{before} already done" in r.stdout and "tokens/s" in r.stdout
    lines = [json.loads(x) for x in answers.read_text().splitlines()]
    assert sorted(x["id"] for x in lines) == sorted(f"q:{i}" for i in range(1, 41))
    assert all(set(x) >= {"id", "question", "answer", "model", "subset"} for x in lines)
    # a question inserted at the top shifts every line-number id: each answer stays with its own question, and
    # only the new question is answered; one removed moves its answer aside, never deleted
    asked = [{"question": "Where do birds sleep?"}] + [{"question": f"What is thing number {i}?"} for i in range(39)]
    _write(questions, asked)
    r = _run(args)
    assert r.returncode == 0 and "1 answered, 39 already done" in r.stdout and "moved to lora.stale.jsonl" in r.stdout, \
        r.stdout
    lines = [json.loads(x) for x in answers.read_text().splitlines()]
    assert len(lines) == 40 and {x["id"]: x["question"] for x in lines} == {
        f"q:{i}": q["question"] for i, q in enumerate(asked, 1)}
    (gone,) = [json.loads(x) for x in (out / "lora.stale.jsonl").read_text().splitlines()]
    assert gone["question"] == "What is thing number 39?"
