"""The ``hf-leaner`` command line: ``hf-leaner <command> --help`` for each command."""

from __future__ import annotations

import argparse
import logging
import sys
import warnings

from .cli_args import (ARCHITECTURES, Parser, at_least, byte_size, csv_list, debug_requested, existing_dir,
                       existing_file, flag, folder_or_hub_id, format_warning, model_size, nonnegative_float,
                       nonnegative_int, port, positive_float, positive_int, quiet_progress_when_logged, release_dir,
                       report, repo_id, strategy_names, writable_output)
from .commands import (CORPORA, check_build_dataset, check_push_model, check_stats, check_train_tokenizer,
                       cmd_build_dataset, cmd_local_hub, cmd_pretrain, cmd_push_model, cmd_quickstart, cmd_stats,
                       cmd_train_tokenizer)
from .commands_curriculum import QUICKSTART_STRATEGY, check_experiment, cmd_experiment_curriculum
from .commands_llm import cmd_serve_llm
from .commands_eval import check_eval_glue, cmd_eval_glue, cmd_experiment_architectures, cmd_push_results
from .commands_instruct import (check_generate, check_instruct, check_judge, cmd_experiment_instruction, cmd_generate,
                                cmd_instruct, cmd_judge)
from .commands_hare import (check_decontaminate, check_leakage_probe, cmd_decontaminate, cmd_diversity_sample,
                            cmd_filter_quality, cmd_leakage_probe, cmd_make_eval, cmd_make_glue)
from .commands_simplify import check_simplify, cmd_simplify
from .data.release import GENRES, SIZES, SPLITS
from .evaluation import TASKS

VOCAB = at_least(300, "a byte-level BPE holds its 256 byte tokens and special tokens")


# ------------------------------------------------------------------------------------------------- parser
# One spelling per concept (flag() adds the --a-b twin of every --a_b): --data (alias --data-dir) for the
# input corpus, --output_dir (aliases --output, --output-dir), --model_size (alias --size where --size
# means the model) and --corpus_size (alias --size where it has meant 10M/100M).


def add_build_dataset(sub) -> None:
    b = sub.add_parser("build-dataset", help="build a LEANER corpus into Parquet + dataset card (and push it)")
    b.add_argument("name", choices=[*CORPORA, "all"])
    flag(b, "--data", "--data_dir", type=release_dir,
         help="local copy in the release layout (default: the Hub dataset EmpathYang/TinyHelen)")
    flag(b, "--output_dir", "--output", required=True, type=writable_output, help="folder to write OUTPUT/<name>/ into")
    b.add_argument("--configs", nargs="+", help="only these configs (default: all that have source files)")
    flag(b, "--on_corrupt", choices=["raise", "warn"], default="raise",
         help="a truncated .zst shard: stop (default) or keep its complete lines and note it in the card")
    flag(b, "--max_shard_size", default="500MB", type=byte_size)
    flag(b, "--push_to_hub", "--repo", metavar="REPO", type=repo_id, help="also push the folder to this Hub dataset repo")
    b.add_argument("--private", action="store_true", default=None)
    b.set_defaults(func=cmd_build_dataset, check=check_build_dataset)


def add_stats(sub) -> None:
    s = sub.add_parser("stats", help="corpus statistics: words, tokens, vocabulary, n-gram entropy, ...")
    s.add_argument("files", nargs="*", type=existing_file, help=".txt (blank-line separated docs) or .jsonl/.json[.zst]")
    flag(s, "--data", "--data_dir", type=release_dir, help="a release copy: LEANER vs ORIGINAL per genre, same documents")
    flag(s, "--corpus_size", "--size", choices=SIZES, default="10M", help="with --data: the 10M or 100M corpus")
    s.add_argument("--split", default=None, choices=SPLITS, help="split (default validation for --data)")
    s.add_argument("--genres", nargs="+", choices=GENRES)
    s.add_argument("--unpaired", action="store_true", help="with --data: count every document, paired or not")
    s.add_argument("--simplified", nargs="+", type=release_dir, metavar="OUT",
                   help="with --data: also rows for these `hf-leaner simplify` outputs, on the same documents")
    s.add_argument("--dataset", type=folder_or_hub_id, help="a published folder or Hub dataset, read with load_dataset")
    s.add_argument("--config", help="with --dataset: its config")
    flag(s, "--text_column", default="text", help="the text column / JSON field")
    s.add_argument("--by", default="genre", help="with --dataset: one row per value of this column")
    s.add_argument("--tokenizer", type=folder_or_hub_id, help="tokenizer folder or Hub id for the token columns")
    s.add_argument("--json", action="store_true", help="print JSON instead of the table")
    flag(s, "--max_memory_mb", type=positive_int, default=4096,
         help="memory for the n-gram tables; past it they spill to a temporary folder (same result)")
    flag(s, "--output_json", "--output", help="also write the JSON to this file")
    flag(s, "--on_corrupt", choices=["raise", "warn"], default="warn",
         help="a truncated .zst file: keep its complete lines and say so (default), or stop")
    s.set_defaults(func=cmd_stats, check=check_stats)


def add_quickstart(sub) -> None:
    q = sub.add_parser("quickstart", help="the main job on the embedded sample corpus (CPU, offline)")
    flag(q, "--output_dir", "--output", default="outputs/quickstart", type=writable_output)
    flag(q, "--data", "--data_dir", type=release_dir, help="a release copy instead of the embedded sample")
    flag(q, "--corpus_size", "--size", choices=SIZES, default="10M")
    q.add_argument("--split", default="validation", choices=SPLITS)
    flag(q, "--vocab_size", type=VOCAB, default=2000)
    q.add_argument("--arch", default="llama", choices=ARCHITECTURES)
    flag(q, "--model_size", default="1M", type=model_size, help="non-embedding parameters: 1M, 500K, 14M, ...")
    q.add_argument("--curriculum", default=QUICKSTART_STRATEGY, choices=[s for s in strategy_names() if s != "baseline"],
                   help=f"the curriculum strategy shown next to the baseline (default: {QUICKSTART_STRATEGY}, the best "
                        "the curriculum study found)")
    q.add_argument("--seeds", type=csv_list(int), default=[1, 2, 3], help="comma-separated (default 1,2,3)")
    q.add_argument("--steps", type=positive_int, default=200)
    flag(q, "--block_size", type=at_least(8, "tokens per training block"), default=128)
    flag(q, "--skip_instruct", action="store_true", help="stop after pretraining (no instruction tuning, no judge)")
    q.set_defaults(func=cmd_quickstart)


def add_experiment(sub) -> None:
    e = sub.add_parser("experiment", help="the paper's experiments at CPU scale: curriculum (a fair study), "
                       "architectures (EXP1), instruction following (EXP2)")
    e.add_argument("which", choices=["curriculum", "architectures", "instruction"])
    flag(e, "--data", "--data_dir", default="sample", help="'sample', a release copy or a published corpus folder")
    flag(e, "--data_config", default="leaner-10M-all")
    e.add_argument("--arch", default="llama", choices=ARCHITECTURES)
    flag(e, "--model_size", "--size", help="curriculum: default 500K; architectures: default 1M", type=model_size)
    flag(e, "--batch_size", type=positive_int, default=16)
    flag(e, "--block_size", type=at_least(8, "tokens per training block"), default=128)
    flag(e, "--vocab_size", type=VOCAB, default=2000)
    flag(e, "--output_dir", "--output", default="outputs/experiment", type=writable_output)
    # curriculum: the fair study (hf_leaner.experiments.curriculum)
    e.add_argument("--strategies", type=csv_list(str, strategy_names(), "strategy"),
                   help="curriculum: comma-separated (default: baseline,warmup-compression,seqlen-warmup; the "
                        "baseline is always run)")
    e.add_argument("--seeds", type=csv_list(int), help="comma-separated (curriculum: default 1,2,3; instruction: "
                   "default --seed)")
    e.add_argument("--budget", type=positive_int, default=327_680,
                   help="curriculum: training tokens per run, the same for every strategy (default 327,680)")
    flag(e, "--budget_fractions", type=csv_list(positive_float), default=[1.0],
         help="curriculum: also train every strategy on these shares of --budget, each with its whole LR schedule "
              "and its own LR (the fair test of 'the baseline's loss with 70%% of the tokens'), e.g. 0.7,1.0")
    flag(e, "--learning_rates", type=csv_list(positive_float), default=[2e-3, 4e-3, 8e-3],
         help="curriculum: the LR grid every strategy is tuned on (default 2e-3,4e-3,8e-3)")
    e.add_argument("--schedules", type=csv_list(str, ["decay", "wsd"], "schedule"), default=["decay", "wsd"],
                   help="curriculum: LR families, decay (cosine) and wsd (warmup-stable-decay + averaging)")
    flag(e, "--max_train_documents", type=positive_int, help="curriculum: train on this many documents (default all)")
    flag(e, "--max_eval_documents", type=positive_int, default=40, help="validation documents per genre")
    flag(e, "--heldout_documents", type=positive_int, default=200,
         help="curriculum: training documents held out to choose each strategy's LR (and drive iterative pacing)")
    flag(e, "--eval_chars_per_genre", type=positive_int, default=24_000,
         help="curriculum: validation text per genre, in characters (long documents are cut off by document)")
    e.add_argument("--evals", type=at_least(2, "evaluations per run"), default=8,
                   help="curriculum: validation evaluations per run")
    e.add_argument("--glue", action="store_true", help="curriculum: also the LEANER-GLUE average of the final "
                   "models, at every --budget_fractions share (reduced grid: one LR, one fine-tuning seed, "
                   "--glue_tasks)")
    flag(e, "--leaner_vs_original", action="store_true",
         help="curriculum: then LEANER vs ORIGINAL pretraining at the same budget")
    # architectures (EXP1): the families, then LEANER-GLUE on every task with a train split
    e.add_argument("--steps", type=positive_int, default=300, help="architectures: optimizer steps")
    flag(e, "--learning_rate", type=positive_float, default=3e-3, help="architectures")
    e.add_argument("--seed", type=nonnegative_int, default=42, help="architectures")
    e.add_argument("--families", type=csv_list(str, ARCHITECTURES, "model family"),
                   help="architectures: comma-separated (default: llama,bert,xlnet,mamba2)")
    flag(e, "--glue_tasks", type=csv_list(str, TASKS, "GLUE task"),
         help="default every task with a train split (curriculum: rte,mrpc,stsb)")
    flag(e, "--glue_preset", default="cpu", choices=["cpu", "tinyhelen", "babylm"])
    flag(e, "--glue_seeds", type=csv_list(int), help="architectures: default the preset's")
    flag(e, "--glue_epochs", type=positive_float, help="architectures: default the preset's")
    flag(e, "--glue_max_train_examples", type=positive_int)
    # instruction (EXP2): pretraining x instruction data, generate, judge
    flag(e, "--instruct_steps", type=positive_int, default=60, help="instruction: tuning steps per model")
    flag(e, "--original_instructions", default="sample-original",
         help="instruction: the ORIGINAL instruction set (alpaca-cleaned file or datasets id; default: the sample's)")
    flag(e, "--leaner_instructions", help="instruction: default --data's instruction file, else the sample's")
    flag(e, "--questions_per_subset", type=positive_int, default=5, help="instruction: LEANER-Eval questions per subset")
    flag(e, "--judge_base_url", default="local", help="instruction: 'local' or an OpenAI-compatible endpoint URL")
    flag(e, "--judge_model", help="instruction: the judge model name (required with a URL)")
    e.add_argument("--scale", choices=["cpu", "paper"], default="cpu",
                   help="instruction: 'paper' = 14M models, 100M corpus, long runs, every question, 3 seeds")
    e.set_defaults(func=lambda args: {"architectures": cmd_experiment_architectures,
                                      "instruction": cmd_experiment_instruction,
                                      "curriculum": cmd_experiment_curriculum}[args.which](args), check=check_experiment)


def add_eval_glue(sub) -> None:
    g = sub.add_parser("eval-glue", help="fine-tune and score a model on LEANER-GLUE (grid of learning rates x seeds)")
    g.add_argument("model", nargs="?", help="a folder written by `hf-leaner pretrain`, or a Hub id")
    flag(g, "--from_scratch", nargs="?", const=True, metavar="CONFIG",
         help="the same config and tokenizer with random weights (CONFIG: a model folder or Hub id; bare flag: MODEL's)")
    flag(g, "--data", "--data_dir", default="sample", help="a TinyHelen release copy folder (default: the embedded sample)")
    g.add_argument("--tasks", type=csv_list(str, TASKS, "GLUE task"), default=[t for t in TASKS if t != "wnli"],
                   help=f"comma-separated, from {','.join(TASKS)} (default: all but wnli)")
    g.add_argument("--preset", default="cpu", choices=["cpu", "tinyhelen", "babylm"],
                   help="recipe defaults: cpu (LR 1e-3, 1 seed, 3 epochs, batch 32, length 128), tinyhelen "
                        "(the paper's scripts), babylm (the BabyLM 2025 pipeline)")
    flag(g, "--learning_rates", type=csv_list(positive_float), help="comma-separated (default: preset's)")
    g.add_argument("--seeds", type=csv_list(int), help="comma-separated (default: preset's)")
    flag(g, "--num_train_epochs", type=positive_float, help="every task (default: preset's per task)")
    flag(g, "--batch_size", type=positive_int)
    flag(g, "--max_length", type=at_least(8, "tokens per example"))
    flag(g, "--max_train_examples", type=positive_int, help="subsample each train split")
    g.add_argument("--average", choices=["glue", "babylm"], help="which average to report (default: preset's)")
    flag(g, "--save_models", action="store_true", help="keep each fine-tuned model in OUT/models/")
    flag(g, "--output_dir", "--output", default="outputs/eval-glue", type=writable_output)
    g.set_defaults(func=cmd_eval_glue, check=check_eval_glue)


def add_push_results(sub) -> None:
    r = sub.add_parser("push-results", help="put an eval-glue run's results into a Hub repo's .eval_results and card")
    r.add_argument("run", type=existing_dir, help="an eval-glue output folder (holds results.json)")
    r.add_argument("--repo", required=True, type=repo_id)
    r.add_argument("--private", action="store_true", default=None)
    r.set_defaults(func=cmd_push_results)


def add_train_tokenizer(sub) -> None:
    t = sub.add_parser("train-tokenizer", help="train a byte-level BPE tokenizer; compare it with others")
    flag(t, "--data", "--data_dir", default="sample")
    flag(t, "--data_config", default="leaner-10M-all")
    flag(t, "--text_column", default="text")
    t.add_argument("--family", default="clm", choices=["clm", "mlm", "plm", *ARCHITECTURES])
    flag(t, "--vocab_size", type=VOCAB, default=2000)
    flag(t, "--output_dir", "--output", required=True, type=writable_output)
    t.add_argument("--compare", nargs="+", type=folder_or_hub_id,
                   help="tokenizer folders to compare with (e.g. the release's gpt-2K)")
    t.set_defaults(func=cmd_train_tokenizer, check=check_train_tokenizer)


def add_push_model(sub) -> None:
    m = sub.add_parser("push-model", help="push a folder written by `pretrain` (card with eval results included)")
    m.add_argument("folder", type=existing_dir)
    flag(m, "--repo", "--push_to_hub", required=True, type=repo_id, help="the Hub model repo, owner/name")
    m.add_argument("--private", action="store_true", default=None)
    m.set_defaults(func=cmd_push_model, check=check_push_model)


def add_local_hub(sub) -> None:
    h = sub.add_parser("local-hub", help="serve a local folder as a Hub endpoint (then set HF_ENDPOINT to it)")
    h.add_argument("--root", required=True, type=writable_output, help="folder holding models/ and datasets/ repos")
    h.add_argument("--host", default="127.0.0.1", help="bind address (keep it loopback)")
    h.add_argument("--port", type=port, default=8765, help="0 picks a free port")
    flag(h, "--token_env", default="HF_LEANER_HUB_TOKEN",
         help="environment variable holding the write token (unset: the hub is read-only)")
    h.set_defaults(func=cmd_local_hub)


def add_instruct(sub) -> None:
    i = sub.add_parser("instruct", help="instruction-tune a causal model (trl SFTTrainer, loss on the response only)")
    i.add_argument("model", type=folder_or_hub_id, help="a folder written by `hf-leaner pretrain`, or a Hub id")
    flag(i, "--data", "--data_dir", default="sample",
         help="'sample' (LEANER-Instruct sample), 'sample-original' (its alpaca-shaped twin), a release copy, "
              "a .json/.jsonl/.parquet file (instruction/input/output or chat messages) or a datasets id")
    flag(i, "--output_dir", "--output", required=True, type=writable_output)
    flag(i, "--max_steps", "--steps", type=positive_int, help="default: --num_train_epochs passes")
    flag(i, "--num_train_epochs", type=positive_float, default=3.0)
    flag(i, "--batch_size", type=positive_int, default=16)
    flag(i, "--learning_rate", type=positive_float, default=1e-3, help="1e-3 suits 1M-20M models (see train/instruct.py)")
    flag(i, "--max_length", type=at_least(8, "tokens per example"), default=256)
    flag(i, "--max_train_examples", type=positive_int)
    i.add_argument("--seed", type=nonnegative_int, default=42)
    flag(i, "--lora_r", type=nonnegative_int, default=0, help="LoRA rank (0: full fine-tuning); merged when saved")
    flag(i, "--lora_alpha", type=positive_int, default=16)
    i.add_argument("--curriculum", choices=["random", "sentence_length", "self_loss", "lm_loss"],
                   help="order the records with this difficulty (CurriculumSFTTrainer, linear pacing)")
    i.set_defaults(func=cmd_instruct, check=check_instruct)


def add_generate(sub) -> None:
    g = sub.add_parser("generate", help="answer LEANER-Eval questions with one or more models (JSONL, resumable)")
    g.add_argument("models", nargs="+", type=folder_or_hub_id, help="model folders (from `instruct`) or Hub ids")
    flag(g, "--data", "--data_dir", default="sample",
         help="'sample', a release copy (data/leaner/eval/*.jsonl) or a .jsonl of {question[, id]} records")
    g.add_argument("--subsets", nargs="+", help="eval subsets, e.g. split-0-7 inner_comparison (default: all splits)")
    flag(g, "--max_questions", type=positive_int, help="the first N questions of each subset")
    flag(g, "--output_dir", "--output", required=True, type=writable_output, help="answers go to OUT/<model>.jsonl")
    flag(g, "--batch_size", type=positive_int, default=16)
    flag(g, "--max_new_tokens", type=positive_int, default=128)
    g.add_argument("--sample", action="store_true", help="sample instead of greedy decoding")
    g.add_argument("--temperature", type=positive_float, default=1.0)
    g.set_defaults(func=cmd_generate, check=check_generate)


def add_judge(sub) -> None:
    j = sub.add_parser("judge", help="judge generated answers with an LLM over any OpenAI-compatible endpoint")
    flag(j, "--base_url", required=True,
         help="the endpoint, e.g. https://api.openai.com/v1, http://127.0.0.1:8000/v1 (vLLM, TGI, llama.cpp, "
              "`hf-leaner serve-llm`), or 'local' to start the local endpoint for this run")
    j.add_argument("--model", help="the judge model name the endpoint serves (default with 'local': its model)")
    j.add_argument("--answers", nargs="+", required=True, type=existing_file,
                   help="answers files from `hf-leaner generate`, one per model")
    flag(j, "--output_dir", "--output", required=True, type=writable_output,
         help="OUT/judgements.jsonl, OUT/results.json and the reply cache OUT/llm_cache")
    flag(j, "--api_key_env", help="environment variable holding the key (default HF_LEANER_LLM_API_KEY, then "
         "OPENAI_API_KEY); the key is never written anywhere")
    j.add_argument("--concurrency", type=positive_int, default=4, help="requests in flight at once")
    flag(j, "--max_retries", type=nonnegative_int, default=5)
    j.add_argument("--timeout", type=positive_float, default=120.0, help="seconds per request")
    flag(j, "--max_tokens", type=positive_int, help="reply budget (default: enough for the JSON of every model)")
    j.add_argument("--seed", type=nonnegative_int, default=0, help="seeds the shuffled order of the answers")
    flag(j, "--price_per_1m_input", type=nonnegative_float, help="for the cost column (USD per 1M prompt tokens)")
    flag(j, "--price_per_1m_output", type=nonnegative_float)
    flag(j, "--push_to_hub", nargs="+", type=repo_id, metavar="REPO",
         help="one model repo per answers file: its scores go to .eval_results/leaner-eval.yaml and the card")
    j.set_defaults(func=cmd_judge, check=check_judge)


def add_serve_llm(sub) -> None:
    s = sub.add_parser("serve-llm", help="serve the local OpenAI-compatible LLM endpoint (SmolLM2-135M-Instruct, CPU)")
    s.add_argument("--port", type=port, default=0, help="0 (default) picks a free port")
    flag(s, "--model_dir", default=None, help="folder of the converted model (default: the hf-leaner cache)")
    s.set_defaults(func=cmd_serve_llm)


def add_decontaminate(sub) -> None:
    d = sub.add_parser("decontaminate", help="drop training documents that hold benchmark items (HARE's n-gram rule)")
    d.add_argument("files", nargs="+", type=existing_file, help="training data: .jsonl/.json[.zst] records with a text field")
    d.add_argument("--benchmark", nargs="+", action="extend", required=True, metavar="FILE_OR_DATASET",
                   help="LEANER-GLUE / LEANER-Eval .jsonl files, folders of them, saved datasets folders or Hub ids")
    d.add_argument("--control", nargs="+", action="extend", default=[], metavar="FILE_OR_DATASET",
                   help="control benchmarks: documents they alone match are kept and counted as false positives")
    flag(d, "--benchmark_split", help="with a datasets benchmark: its split (default: every split)")
    flag(d, "--benchmark_fields", type=csv_list(str), help="item fields holding text (default: the GLUE/Eval ones)")
    flag(d, "--text_column", default="text", help="the training records' text field")
    d.add_argument("--n", type=positive_int, default=8, help="n-gram length (HARE: 4-8 short task data, 10-15 long)")
    d.add_argument("--threshold", type=nonnegative_float, default=0.5,
                   help="drop when more than this share of one item's n-grams is in the document (0: one n-gram)")
    flag(d, "--min_words", type=positive_int, default=5, help="benchmark fields with fewer words are not checked")
    flag(d, "--shard_size", type=positive_int, default=10_000, help="documents per resumable shard")
    flag(d, "--output_dir", "--output", required=True, type=writable_output)
    d.set_defaults(func=cmd_decontaminate, check=check_decontaminate)


def add_leakage_probe(sub) -> None:
    p = sub.add_parser("leakage-probe", help="does a trained model continue benchmark items better than paraphrases?")
    p.add_argument("model", type=folder_or_hub_id, help="a causal LM folder (e.g. from `hf-leaner pretrain`) or Hub id")
    p.add_argument("--benchmark", nargs="+", action="extend", required=True, metavar="FILE_OR_DATASET",
                   help="benchmark items, as decontaminate takes them")
    p.add_argument("--paraphrases", nargs="+", action="extend", metavar="FILE_OR_DATASET",
                   help="the same items reworded, in the same order (default: a fixed offline synonym rewrite)")
    flag(p, "--benchmark_split", help="with a datasets benchmark: its split")
    flag(p, "--benchmark_fields", type=csv_list(str), help="item fields holding text (default: the GLUE/Eval ones)")
    flag(p, "--max_items", type=positive_int, default=2000, help="the first N item fields")
    flag(p, "--prompt_fraction", type=positive_float, default=0.5, help="share of an item's tokens given as prompt")
    flag(p, "--continuation_tokens", type=positive_int, default=12, help="tokens the model must continue")
    flag(p, "--output_json", "--output", help="also write the result to this JSON file")
    p.set_defaults(func=cmd_leakage_probe, check=check_leakage_probe)


def add_filter_quality(sub) -> None:
    q = sub.add_parser("filter-quality", help="datatrove's heuristic quality filters (Gopher, FineWeb), thresholds reported")
    q.add_argument("files", nargs="+", type=existing_file, help=".jsonl/.json[.zst] records with a text field")
    q.add_argument("--filters", type=csv_list(str, ("gopher_quality", "gopher_repetition", "fineweb_quality"), "filter"),
                   default=["gopher_quality", "gopher_repetition", "fineweb_quality"], help="comma-separated, in order")
    flag(q, "--min_doc_words", type=nonnegative_int, help="Gopher quality: fewest words (default 50; 0: no minimum)")
    flag(q, "--text_column", default="text")
    flag(q, "--output_dir", "--output", required=True, type=writable_output)
    q.set_defaults(func=cmd_filter_quality)


def add_diversity_sample(sub) -> None:
    d = sub.add_parser("diversity-sample", help="sample evenly over embedding clusters (all-MiniLM-L6-v2 + k-means)")
    d.add_argument("files", nargs="+", type=existing_file, help=".jsonl/.json[.zst] records with a text field")
    flag(d, "--n_samples", type=positive_int, required=True, help="documents to keep")
    d.add_argument("--clusters", type=positive_int, default=20, help="k-means clusters (topics)")
    d.add_argument("--seed", type=nonnegative_int, default=0)
    flag(d, "--text_column", default="text")
    flag(d, "--output_dir", "--output", required=True, type=writable_output)
    d.set_defaults(func=cmd_diversity_sample)


def _endpoint_flags(p) -> None:
    flag(p, "--base_url", help="OpenAI-compatible endpoint ending in /v1 (default: start the local SmolLM2 endpoint)")
    p.add_argument("--model", help="model name for the endpoint (default: the local endpoint's)")
    flag(p, "--api_key_env", help="environment variable holding the API key (never written anywhere)")
    p.add_argument("--concurrency", type=positive_int, default=4, help="requests in flight")
    flag(p, "--max_tokens", type=positive_int, help="longest reply (default: 96 for rewrites and verdicts, 48 for questions)")
    flag(p, "--timeout_s", type=positive_float, default=120.0, help="seconds per request before it is retried")
    flag(p, "--output_dir", "--output", required=True, type=writable_output,
         help="results, report and the reply cache (OUT/llm_cache: a rerun resumes, asking nothing twice)")


def add_make_glue(sub) -> None:
    g = sub.add_parser("make-glue", help="LEANER-GLUE: rewrite GLUE examples simply, keep those whose label a judge keeps")
    g.add_argument("files", nargs="+", type=existing_file, help="GLUE-format .jsonl files named <task>_<split>.jsonl")
    flag(g, "--max_examples", type=positive_int, help="the first N examples of each file")
    _endpoint_flags(g)
    g.set_defaults(func=cmd_make_glue)


def add_make_eval(sub) -> None:
    e = sub.add_parser("make-eval", help="LEANER-Eval: new simple questions from seeds, de-duplicated and bucketed")
    e.add_argument("seeds", nargs="+", type=existing_file, help=".jsonl files of seed questions ('question' field)")
    flag(e, "--n_questions", type=positive_int, required=True, help="questions to ask the model for")
    e.add_argument("--reference", nargs="+", type=existing_file, default=[],
                   help="questions to bucket similarity against (default: the seeds)")
    e.add_argument("--shots", type=positive_int, default=4, help="seed examples in each request")
    flag(e, "--near_duplicate", type=positive_float, default=0.95, help="embedding cosine at which two are one")
    e.add_argument("--seed", type=nonnegative_int, default=0)
    _endpoint_flags(e)
    e.set_defaults(func=cmd_make_eval)


def add_simplify(sub) -> None:
    s = sub.add_parser("simplify", help="make a LEANER corpus from ORIGINAL documents (rewrite, validate, release layout)")
    flag(s, "--data", "--data_dir", required=True, type=release_dir, help="a release copy with data/ori/ inside")
    flag(s, "--corpus_size", "--size", choices=SIZES, default="10M")
    s.add_argument("--split", default="validation", choices=SPLITS)
    s.add_argument("--genres", nargs="+", choices=GENRES, default=["wiki"])
    flag(s, "--output_dir", "--output", required=True, type=writable_output,
         help="OUT: writes OUT/data/leaner/... and OUT/failures.jsonl; rerun to resume")
    s.add_argument("--backend", default="lexical", choices=["lexical", "openai", "transformers"],
                   help="lexical: offline WordNet simplifier; openai: any OpenAI-compatible endpoint; "
                        "transformers: a local model folder")
    flag(s, "--base_url", help="openai backend: the endpoint, ending in /v1 (API key from HF_LEANER_LLM_API_KEY)")
    s.add_argument("--model", help="openai: the model name; transformers: a local model folder")
    s.add_argument("--workers", type=positive_int, default=1, help="datatrove tasks run at once")
    s.add_argument("--concurrency", type=positive_int, default=4, help="openai: requests in flight per worker")
    flag(s, "--max_tokens", type=positive_int, default=512,
         help="LLM backends: answer length cap per chunk (each answer also gets at most twice its chunk)")
    flag(s, "--chunk_tokens", type=positive_int,
         help="tokens per chunk, all genres (default: 256-384 per genre; about 96 suited SmolLM2-135M best)")
    s.add_argument("--prompt", default="full", choices=["full", "short"],
                   help="LLM backends: full (every rule, a worked example, a marked answer) or short (one plain "
                        "request, for small models; our rules are applied to every answer in code either way)")
    flag(s, "--max_retries", type=nonnegative_int, default=5, help="openai: retries of an endpoint fault, with backoff")
    s.add_argument("--timeout", type=positive_float, default=120.0, help="openai: seconds per request")
    s.add_argument("--limit", type=positive_int, help="only the first N documents of each genre")
    flag(s, "--max_attempts", type=positive_int, default=2, help="LLM backends: tries per chunk that fails a check")
    flag(s, "--min_core_share", type=nonnegative_float, default=0.75,
         help="a chunk passes with at least this share of words in the 2,000-word core list")
    flag(s, "--no_meaning_check", action="store_true", help="skip the sentence-embedding similarity check")
    s.set_defaults(func=cmd_simplify, check=check_simplify)


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="hf-leaner", description="Tiny LMs in a simpler language environment. --debug (or "
               "HF_LEANER_DEBUG=1) shows tracebacks.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (add_build_dataset, add_stats, add_quickstart, add_experiment, add_train_tokenizer, add_push_model,
                add_local_hub, add_eval_glue, add_push_results, add_serve_llm, add_instruct, add_generate, add_judge,
                add_decontaminate, add_leakage_probe, add_filter_quality, add_diversity_sample, add_make_glue,
                add_make_eval, add_simplify):
        add(sub)
    sub.add_parser("pretrain", help="pretrain a tiny model, with or without a curriculum (--help for all flags)",
                   add_help=False)
    return p


# --------------------------------------------------------------------------------------------------- main


def run(argv: list[str], progress: bool) -> int:
    if argv[:1] == ["pretrain"]:  # its flags are TrainingArguments': HfArgumentParser parses them
        return cmd_pretrain(argv[1:])
    args = build_parser().parse_args(argv)
    args.progress = progress
    if getattr(args, "check", None):
        args.check(args)  # contradictions and cross-flag checks: still before any heavy import or output
    return args.func(args)


def main(argv: list[str] | None = None) -> int:
    """Expected errors end in one line ``hf-leaner: error: ...`` (exit 2 for bad input, 1 for a failure)."""
    debug, argv = debug_requested(sys.argv[1:] if argv is None else list(argv))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.formatwarning = format_warning
    progress = quiet_progress_when_logged()
    try:
        return run(argv, progress)
    except KeyboardInterrupt:
        print("hf-leaner: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 -- every error becomes one line unless --debug asks for the traceback
        if debug:
            raise
        return report(e)


if __name__ == "__main__":
    sys.exit(main())
