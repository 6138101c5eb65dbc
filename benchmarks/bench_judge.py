"""Throughput of `generate` (batch 1 vs batched) and of `judge` at concurrency 1 / 4 / 16 against the local
endpoint (a real `transformers serve` process), in one run.

    OMP_NUM_THREADS=1 python benchmarks/bench_judge.py [--questions 8] [--model FOLDER]

Generation uses a tiny LLaMA (random weights, the sample's tokenizer) unless --model names a folder (random
weights rarely emit EOS, so batch sizes do about equal work; tokens/s counts tokens up to EOS). The judge runs without a cache,
so every level sends every request.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def tiny_model(folder: Path) -> Path:
    from hf_leaner.data.corpora import load_leaner
    from hf_leaner.models import build_model, make_config
    from hf_leaner.sample_data import SAMPLE_DIR
    from hf_leaner.models.tokenizer import train_tokenizer

    texts = load_leaner("leaner-pretrain", "leaner-10M-all", data_dir=SAMPLE_DIR, split="train")["text"]
    tok = train_tokenizer(iter(texts), "clm", vocab_size=2000)
    build_model(make_config("llama", "1M", len(tok), 256, tok), seed=0).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def bench_generate(model: Path, questions, work: Path, max_new_tokens: int) -> list[dict]:
    from hf_leaner.evaluation.generate import generate_answers

    rows = []
    for batch in (1, 16):
        s = generate_answers(str(model), questions, work / f"gen-b{batch}.jsonl", batch_size=batch,
                             max_new_tokens=max_new_tokens)
        rows.append({"batch_size": batch, "questions": s["answered"], "seconds": round(s["seconds"], 2),
                     "tokens_per_s": round(s["tokens_per_s"], 1), "questions_per_s": round(s["answered"] / s["seconds"], 2)})
    return rows


def bench_judge(answer_files, work: Path, levels=(1, 4, 16)) -> list[dict]:
    from hf_leaner.evaluation.judge import run_judge
    from hf_leaner.llm import LLMClient, LocalLLMServer

    rows = []
    with LocalLLMServer() as server:
        for level in levels:
            client = LLMClient(server.base_url, server.model, max_concurrency=level, timeout_s=900)
            t0 = time.time()
            res = run_judge(client, answer_files, work / f"judge-c{level}", chunk=10_000, log=lambda m: None)
            seconds = time.time() - t0
            u = client.stats
            client.close()
            rows.append({"concurrency": level, "requests": u["requests"], "seconds": round(seconds, 1),
                         "requests_per_s": round(u["requests"] / seconds, 3),
                         "completion_tokens_per_s": round(u["completion_tokens"] / seconds, 1),
                         "failures": len(res["failures"])})
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=8)
    parser.add_argument("--model")
    parser.add_argument("--max_new_tokens", type=int, default=48)
    parser.add_argument("--levels", default="1,4,16")
    args = parser.parse_args()
    from hf_leaner.evaluation.generate import load_questions

    work = Path(tempfile.mkdtemp(prefix="bench_judge_"))
    model = Path(args.model) if args.model else tiny_model(work / "tiny")
    questions = (load_questions("sample", subsets=["all"]) * 4)[: args.questions]
    for k, q in enumerate(questions):
        q.id = f"q{k}"
    gen = bench_generate(model, questions, work, args.max_new_tokens)
    print(json.dumps({"generate": gen}, indent=1), flush=True)
    # two "models" whose answers differ, so the judge has something to rank
    files = []
    for name, answer in (("plain", "We sleep so the body can rest. Then we feel good."),
                         ("noisy", "sleep the the is good good good")):
        path = work / f"{name}.jsonl"
        path.write_text("".join(json.dumps({"id": q.id, "question": q.question, "answer": answer, "model": name,
                                            "subset": "all"}) + "\n" for q in questions))
        files.append(path)
    judge = bench_judge(files, work, tuple(int(x) for x in args.levels.split(",")))
    print(json.dumps({"generate": gen, "judge": judge}, indent=1))


if __name__ == "__main__":
    main()
