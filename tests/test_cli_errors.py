"""Bad command lines and bad input files, tried as a user would: each ends with exit status 2, exactly one
line on stderr that names the culprit, and nothing written.

Every row runs through the CLI's ``main()`` in this process (what ``hf-leaner`` calls: its stderr and exit status
are the command's); ``PROCESS_CASES``, one row per group of commands, also run as separate processes of the installed
CLI, so the real entry point, its imports and its exit status are proven too. One interpreter per row made this
file a fifth of the suite."""

import json
import logging
import shlex
import signal
import subprocess
import warnings

import pytest
import zstandard
from conftest import CLI

# (arguments, text the one error line must contain). {tmp}: a scratch folder holding the inputs below;
# {sample}: the embedded sample release copy.
CASES = [
    # quickstart: every value checked before anything is published
    ("quickstart --model-size 7Q", "'7Q' is not a model size"),
    ("quickstart --model_size 0", "--model_size"),
    ("quickstart --model-size=-1M", "'-1M' is not a model size"),
    ("quickstart --model-size 1T", "'1T' is not a model size"),
    ("quickstart --steps 0", "--steps"),
    ("quickstart --steps abc", "'abc' is not an integer"),
    ("quickstart --steps 1.5", "'1.5' is not an integer"),
    ("quickstart --vocab-size 10", "--vocab_size"),
    ("quickstart --block-size 0", "--block_size"),
    ("quickstart --arch gpt", "'gpt'"),
    ("quickstart --curriculum hardest", "'hardest'"),
    ("quickstart --size 1B", "--corpus_size"),
    ("quickstart --split dev", "'dev'"),
    ("quickstart --data-dir {tmp}/missing", "missing: no such folder"),
    ("quickstart --data {tmp}/good.jsonl", "good.jsonl: is a file, not a folder"),
    ("quickstart --data {tmp}/folder", "folder: not a TinyHelen release copy"),
    ("quickstart --output {tmp}/good.jsonl", "good.jsonl: exists and is a file"),
    ("quickstart --unknown-flag", "--unknown-flag"),
    # stats
    ("stats", "nothing to measure"),
    ("stats {tmp}/missing.jsonl", "missing.jsonl: no such file"),
    ("stats {tmp}/folder", "folder: is a folder, not a file"),
    ("stats {tmp}/latin1.txt", "latin1.txt:2: not UTF-8 text"),
    ("stats {tmp}/binary.jsonl", "binary.jsonl:1: not UTF-8 text"),
    ("stats {tmp}/bad.jsonl", "bad.jsonl:2: malformed JSON"),
    ("stats {tmp}/nofield.jsonl", "nofield.jsonl:1: no string field 'text'"),
    ("stats {tmp}/cut.jsonl.zst --on-corrupt raise", "cut.jsonl.zst: compressed stream is corrupt or truncated"),
    ("stats --data {sample} --size 5M", "--corpus_size"),
    ("stats --data {sample} --split dev", "'dev'"),
    ("stats --data {sample} --genres poetry", "'poetry'"),
    ("stats --unpaired {tmp}/good.jsonl", "--unpaired"),
    ("stats --config x {tmp}/good.jsonl", "--config"),
    ("stats --max-memory-mb 0 {tmp}/good.jsonl", "--max_memory_mb"),
    ("stats --dataset {tmp}/missingdir", "missingdir: no such folder"),
    ("stats --tokenizer ./nope {tmp}/good.jsonl", "nope: no such folder"),
    ("stats --output {tmp}/folder {tmp}/good.jsonl", "--output_json"),
    ("stats --on-corrupt ignore {tmp}/good.jsonl", "'ignore'"),
    # build-dataset
    ("build-dataset", "name"),
    ("build-dataset leaner-foo --output {tmp}/o", "'leaner-foo'"),
    ("build-dataset leaner-glue", "--output_dir"),
    ("build-dataset leaner-glue --output {tmp}/o --data {tmp}/missing", "missing: no such folder"),
    ("build-dataset leaner-glue --output {tmp}/o --on-corrupt ignore", "'ignore'"),
    ("build-dataset leaner-glue --output {tmp}/o --max-shard-size 0", "'0' is not a size"),
    ("build-dataset leaner-glue --output {tmp}/o --push-to-hub bad/id!", "'bad/id!' is not a Hub repo id"),
    ("build-dataset leaner-glue --output {tmp}/o --push-to-hub ../../x", "'../../x' is not a Hub repo id"),
    ("build-dataset leaner-glue --output {tmp}/o --private", "--private"),
    ("build-dataset all --output {tmp}/o --configs cola", "--configs"),
    ("build-dataset leaner-glue --output {tmp}/o --data {sample} --configs nope", "unknown config(s) nope"),
    ("build-dataset leaner-glue --output {tmp}/good.jsonl", "good.jsonl: exists and is a file"),
    # experiment
    ("experiment", "which"),
    ("experiment nope", "'nope'"),
    ("experiment curriculum --strategies foo", "'foo' is not a strategy"),
    ("experiment curriculum --strategies baseline,nope", "'nope' is not a strategy"),
    ("experiment curriculum --seeds 1,1,2", "1 is given twice"),
    ("experiment curriculum --budget 100", "--budget 100"),
    ("experiment curriculum --budget-fractions 0.7,1.5", "--budget_fractions 0.7,1.5: each share"),
    ("experiment curriculum --budget 40960 --budget-fractions 0.01", "--budget 40,960 x 0.01"),
    ("experiment curriculum --schedules cosine", "'cosine' is not a schedule"),
    ("experiment curriculum --learning-rate -1", "--learning_rate"),
    ("experiment curriculum --learning-rate nan", "'nan' must be > 0"),
    ("experiment curriculum --data-config leaner-1M-all", "--data_config 'leaner-1M-all'"),
    ("experiment curriculum --data {tmp}/missing", "--data {tmp}/missing: no such folder"),
    ("experiment curriculum --size 7Q", "'7Q' is not a model size"),
    ("pretrain --preset paper", "--preset"),
    ("pretrain --data_config leaner+original-1M-all", "--data_config 'leaner+original-1M-all'"),
    ("experiment curriculum --seed -1", "--seed"),
    ("experiment curriculum --batch_size 0", "--batch_size"),
    # train-tokenizer
    ("train-tokenizer", "--output_dir"),
    ("train-tokenizer --output {tmp}/t --family gpt", "'gpt'"),
    ("train-tokenizer --output {tmp}/t --vocab-size 100", "--vocab_size"),
    ("train-tokenizer --output {tmp}/t --compare {tmp}/nothere", "nothere: no such folder"),
    ("train-tokenizer --output {tmp}/t --data-config original-1G-all", "--data_config 'original-1G-all'"),
    # push-model
    ("push-model {tmp}/missing --repo me/x", "missing: no such folder"),
    ("push-model {tmp}/folder --repo me/x", "neither hf_leaner_summary.json nor hf_leaner_glue.json"),
    ("push-model {tmp}/folder --repo x--y", "'x--y' is not a Hub repo id"),
    ("push-model {tmp}/folder --repo noowner", "'noowner' is not a Hub repo id"),
    ("push-model {tmp}/folder", "--repo"),
    # local-hub
    ("local-hub", "--root"),
    ("local-hub --root {tmp}/r --port 70000", "'70000' is not a TCP port"),
    ("local-hub --root {tmp}/good.jsonl", "good.jsonl: exists and is a file"),
    # pretrain: its own flags are checked before transformers is imported
    ("pretrain --arch gpt2", "'gpt2' is not a model family"),
    ("pretrain --size 7Q", "'7Q' is not a model size"),
    ("pretrain --model-size 0K", "'0K' is not a model size"),
    ("pretrain --data {tmp}/missing", "--data {tmp}/missing: no such folder"),
    ("pretrain --data_config leaner-10M-poetry", "--data_config 'leaner-10M-poetry'"),
    ("pretrain --data-config nope", "--data_config 'nope'"),
    ("pretrain --max_stepz 10", "--max_stepz"),  # a TrainingArguments typo: HfArgumentParser, after its import
    # flags the curriculum cannot honour: refused by CurriculumConfig before any data is read
    ("pretrain --train_sampling_strategy group_by_length", "train_sampling_strategy='group_by_length'"),
    ("pretrain --ignore_data_skip true", "ignore_data_skip=True"),
    ("pretrain --num_train_epochs 2", "num_train_epochs=2.0 without max_steps"),
    ("pretrain --pacing sideways", "pacing='sideways'"),
    ("pretrain --folds 0", "folds=0"),
    ("pretrain --decay_after_full_data true", "decay_after_full_data"),
    ("pretrain --full_data_by_tokens 1000 --full_data_by 0.5", "full_data_by_tokens=1000"),
    # hardening round 2: values, folders and files checked before any work
    ("pretrain --vocab_size 0", "--vocab_size: '0' must be >= 300"),
    ("pretrain --learning_rate nan", "learning_rate=nan: need a positive, finite learning rate"),
    ("pretrain --per_device_train_batch_size 0", "per_device_train_batch_size=0"),
    ("pretrain --tokenizer {tmp}/folder", "--tokenizer {tmp}/folder: no tokenizer files in that folder"),
    ("pretrain --data {tmp}/folder --output_dir {tmp}/folder/run", "lies inside the input folder {tmp}/folder"),
    ("pretrain --output_dir {tmp}/finished", "--output_dir {tmp}/finished: holds a finished model"),
    ("pretrain --data {tmp}/jsonfolder", "list.jsonl:2: a JSON list, not an object"),
    ("pretrain --difficulty sentence_length", "difficulty='sentence_length': orders nothing with pacing='none'"),
    ("instruct {tmp}/finished --output_dir {tmp}/finished", "is the input folder {tmp}/finished"),
    ("simplify --data {sample} --output {tmp}/o --min_core_share 2", "--min_core_share 2"),
    ("make-eval {tmp}/good.jsonl --n_questions 3 --near_duplicate 2 --output_dir {tmp}/o", "--near_duplicate 2"),
    ("leakage-probe {tmp}/finished --benchmark {tmp}/good.jsonl --output_json {tmp}/folder", "--output_json"),
    ("quickstart --steps 1000000000000", "more than 10,000,000 optimizer steps in one run"),
    ("quickstart --seeds 1,1", "1 is given twice"),
    ("experiment curriculum --budget 1000000000000000000", "optimizer steps of 2,048 tokens per run"),
    ("experiment curriculum --strategies multitask-pos-mlm", "give --arch bert (not llama)"),
    ("experiment instruction --original_instructions {tmp}/nope.jsonl", "--original_instructions {tmp}/nope.jsonl: "
                                                                        "no such file"),
    ("experiment instruction --judge_base_url ftp://x --judge_model m", "--judge_base_url 'ftp://x'"),
    ("experiment instruction --leaner_instructions {tmp}/jsonfolder/list.jsonl", "list.jsonl:1"),
    ("eval-glue {tmp}/finished --num_train_epochs 1e30", "more than 1,000 passes"),
    ("push-results {tmp}/nanrun --repo me/x", "field tasks.rte.validation.accuracy = nan is not a finite number"),
    ("push-results {tmp}/folder --repo me/x", "results.json: not found"),
    ("push-results {tmp}/emptylist --repo me/x", "results.json: holds [], not the results object"),
    ("push-results {tmp}/cutshort --repo me/x", "results.json: not valid JSON (line 1, column 12"),
    ("make-glue {tmp}/rte_train.jsonl --output_dir {tmp}/o", "rte_train.jsonl:2: field 'label' = nan is not a class"),
    ("build-dataset leaner-glue --output_dir {tmp}/o", "no data folder given, so the Hub dataset EmpathYang/TinyHelen"),
    # top level
    ("", "COMMAND"),
    ("nonsense", "'nonsense'"),
]


def _inputs(tmp):
    (tmp / "folder").mkdir()
    (tmp / "finished").mkdir()
    (tmp / "finished" / "config.json").write_text("{}")
    (tmp / "finished" / "model.safetensors").write_bytes(b"")
    for name, text in (("emptylist", "[]"), ("cutshort", '{"tasks": {"rt')):
        (tmp / name).mkdir()
        (tmp / name / "results.json").write_text(text)
    (tmp / "nanrun").mkdir()
    (tmp / "nanrun" / "results.json").write_text(json.dumps({
        "tasks": {"rte": {"status": "ok", "over_seeds": {"validation": {}}, "validation": {"accuracy": float("nan")}}},
        "preset": "cpu", "from_scratch": False, "learning_rates": [1e-3], "seeds": [1]}))
    (tmp / "rte_train.jsonl").write_text('{"sentence1": "A.", "sentence2": "B.", "label": 0}\n'
                                         '{"sentence1": "A.", "sentence2": "B.", "label": NaN}\n')
    (tmp / "jsonfolder").mkdir()
    (tmp / "jsonfolder" / "list.jsonl").write_text('{"text": "a"}\n[1, 2]\n')
    (tmp / "good.jsonl").write_text('{"text": "A short doc."}\n')
    (tmp / "latin1.txt").write_bytes("first line\ncaf\xe9 au lait\n".encode("latin-1"))
    (tmp / "binary.jsonl").write_bytes(bytes(range(128, 256)) * 4)
    (tmp / "bad.jsonl").write_text('{"text": "ok"}\n{"text": "no end\n')
    (tmp / "nofield.jsonl").write_text('{"body": "x"}\n')
    (tmp / "cut.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(b'{"text": "x"}\n' * 5000)[:30])


def _snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*"))


# one row of each group of commands, also run as its own process
PROCESS_CASES = [case for case in CASES if case[0] in (
    "quickstart --steps abc", "stats {tmp}/bad.jsonl", "build-dataset leaner-foo --output {tmp}/o",
    "experiment curriculum --seeds 1,1,2", "pretrain --pacing sideways",
    "eval-glue {tmp}/finished --num_train_epochs 1e30")]


def run_case(args: str, tmp, sample_dir):
    argv = shlex.split(args.format(tmp=tmp, sample=sample_dir))
    return subprocess.run(CLI + argv, capture_output=True, text=True, timeout=300, cwd=tmp)


def run_in_process(args: str, tmp, sample_dir, capsys, monkeypatch) -> subprocess.CompletedProcess:
    """``hf-leaner ARGS`` through ``main()`` in this process, from ``tmp``: its exit status, stdout and stderr."""
    from hf_leaner.cli import main

    argv = shlex.split(args.format(tmp=tmp, sample=sample_dir))
    monkeypatch.chdir(tmp)
    # what main() sets up for a process, put back for the next test: logging's handler (bound to this test's
    # captured stderr), the warning format, the SIGTERM handler
    monkeypatch.setattr(logging.root, "handlers", list(logging.root.handlers))
    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)
    sigterm = signal.getsignal(signal.SIGTERM)
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own errors exit
        code = e.code
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(argv, code, out, err)


@pytest.mark.parametrize("args, culprit", CASES)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, sample_dir, args, culprit, capsys, monkeypatch):
    _inputs(tmp_path)
    before = _snapshot(tmp_path)
    run = run_in_process(args, tmp_path, sample_dir, capsys, monkeypatch)
    _assert_one_line(run, culprit, tmp_path, before)


@pytest.mark.parametrize("args, culprit", PROCESS_CASES)
def test_bad_input_in_its_own_process(tmp_path, sample_dir, args, culprit):
    _inputs(tmp_path)
    before = _snapshot(tmp_path)
    _assert_one_line(run_case(args, tmp_path, sample_dir), culprit, tmp_path, before)


def _assert_one_line(run, culprit, tmp_path, before):
    assert run.returncode == 2, (run.returncode, run.stderr[-3000:])
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("hf-leaner: error: "), run.stderr[-3000:]
    assert culprit.format(tmp=tmp_path) in lines[0]
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert _snapshot(tmp_path) == before


def test_debug_shows_the_traceback(tmp_path, sample_dir):
    _inputs(tmp_path)
    run = subprocess.run(CLI + ["stats", str(tmp_path / "bad.jsonl"), "--debug"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode != 0 and "Traceback" in run.stderr and "bad.jsonl:2: malformed JSON" in run.stderr


def test_every_multi_word_flag_takes_both_spellings():
    from hf_leaner.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, command in sub.choices.items():
        options = {o for a in command._actions for o in a.option_strings}
        for o in options:
            if o.startswith("--") and ("_" in o or "-" in o[2:]):
                assert o.replace("_", "-") in options and "--" + o[2:].replace("-", "_") in options, (name, o)
