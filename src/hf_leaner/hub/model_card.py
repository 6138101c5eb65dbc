"""Model cards and pushing for trained tiny models: the run's summary becomes the card and its eval results."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from huggingface_hub import EvalResult, HfApi, ModelCard, ModelCardData

from .upload import check_no_tokens, upload_folder

PUSH_IGNORE = ["checkpoint-*/**", "runs/**", "*.pt", "*.pth"]  # resumable state stays local
TEMPLATE = resources.files("hf_leaner.model_cards") / "tiny_lm.md"  # model_cards/ at the repo's top level


def objective_of(config: dict) -> str:
    """The pretraining objective of a saved model (``clm``/``mlm``/``plm``), read from its class in config.json:
    the hub room sits below ``models`` and learns what it needs from the files it pushes."""
    name = (config.get("architectures") or [""])[0]
    if name.endswith("ForCausalLM"):
        return "clm"
    if name.endswith("ForMaskedLM"):
        return "mlm"
    if name.endswith("LMHeadModel") and name.startswith("XLNet"):
        return "plm"
    raise ValueError(f"config.json: cannot tell the objective of a {name or 'model with no architectures'}; "
                     "pass objective= (clm, mlm or plm)")


def write_model_card(output_dir: str | Path, repo_id: str, objective: str | None = None) -> Path:
    """README.md for a folder written by ``hf-leaner pretrain`` (uses its hf_leaner_summary.json); ``objective``
    defaults to the one its config.json implies."""
    out = Path(output_dir)
    summary_path = out / "hf_leaner_summary.json"
    if not summary_path.is_file():
        raise FileNotFoundError(f"{summary_path}: not found; push-model takes a folder written by `hf-leaner pretrain`")
    summary = json.loads(summary_path.read_text())
    pargs = json.loads((out / "pretrain_args.json").read_text()) if (out / "pretrain_args.json").is_file() else {}
    config = json.loads((out / "config.json").read_text())
    objective = objective or objective_of(config)
    history = summary.get("curriculum") or []
    scorer_fraction = f"{len(history)} stage(s), data in use at the end: {history[-1]['fraction']:.0%}" if history else "none"
    # "eval_<genre>_loss" per genre, "eval_loss" for their mean (or the only eval set)
    evals = {(k[len("eval_"):-len("_loss")] or "all genres (mean)"): v for k, v in summary["eval"].items()
             if k.endswith("_loss")}
    table = "\n".join(["| validation set | loss | perplexity |", "|---|---|---|"] +
                      [f"| {name} | {v:.4f} | {min(2.718281828 ** v, 1e9):.2f} |" for name, v in sorted(evals.items())])
    body = TEMPLATE.read_text().format(
        model_name=repo_id.split("/")[-1], repo_id=repo_id, arch=summary["arch"], objective=objective.upper(),
        non_embedding_parameters=summary["non_embedding_parameters"], data=_public_name(pargs.get("data", "?")),
        data_config=pargs.get("data_config", "?"), steps=summary["steps"], tokens_seen=summary["tokens_seen"],
        block_size=pargs.get("block_size", "?"), vocab_size=config.get("vocab_size", 0), curriculum=scorer_fraction,
        seconds=summary["seconds"], eval_table=table)
    config_name = pargs.get("data_config", "leaner-10M-all")
    stem = config_name.rsplit("-", 1)[0]  # leaner-10M-all -> leaner-10M: per-genre results name the genre's config
    results = [EvalResult(task_type="text-generation", dataset_type="leaner-pretrain", dataset_name=f"LEANER {name}",
                          dataset_config=config_name if name.startswith("all") else f"{stem}-{name}",
                          dataset_split="validation", metric_type="loss", metric_name="validation loss (nats/token)",
                          metric_value=round(v, 4)) for name, v in sorted(evals.items())]
    zero_shot, zero_shot_results = _zero_shot_section(out)
    body += zero_shot
    results += zero_shot_results
    data = ModelCardData(library_name="transformers", license="mit", language=["en"], model_name=repo_id.split("/")[-1],
                         tags=["tinyhelen", "leaner", "tiny-language-model", summary["arch"]], eval_results=results,
                         pipeline_tag="text-generation" if objective == "clm" else "fill-mask")
    card = ModelCard.from_template(data, template_str="---\n{{ card_data }}\n---\n" + body)
    path = out / "README.md"
    card.save(str(path))
    return path


def _zero_shot_section(out: Path) -> tuple[str, list]:
    """When the folder holds zero-shot scores (``pretrain --zero_shot``, or ``eval-zero-shot MODEL --output_dir
    MODEL/zero_shot``): a table for the card's body and their model-index entries."""
    from hf_leaner.hub.eval_results import zero_shot_model_index, zero_shot_scores

    path = out / "zero_shot" / "results.json"
    if not path.is_file():
        return "", []
    results = json.loads(path.read_text())
    trained = [m for m, e in results["models"].items() if not e.get("untrained")]
    if len(trained) != 1:
        return "", []
    scores = zero_shot_scores(results, trained[0])
    subset = results["protocol"].get("max_pairs_per_paradigm")
    rows = "\n".join(f"| {name} | {value:.1f} |" for _, _, name, value in scores)
    text = ("\n## Zero-shot grammar (minimal pairs)\n\nAccuracy in %: the grammatical sentence of a pair is the more "
            "probable (ties count half; chance 50)" + (f"; a subset of {subset} pairs per paradigm" if subset else "")
            + ".\n\n| suite | accuracy |\n|---|---|\n" + rows + "\n")
    return text, zero_shot_model_index(scores)


def _public_name(data: str) -> str:
    """What a card may say about ``--data``: a Hub id or ``sample`` as given, a local folder by its name only
    (a card must hold no machine paths)."""
    return Path(data).name if ("/" in data and Path(data).expanduser().exists()) or data.startswith(("/", ".", "~")) \
        else data


def push_model(output_dir: str | Path, repo_id: str, private: bool | None = None, token: str | None = None,
               objective: str | None = None) -> str:
    """Push a trained model folder (weights, config, tokenizer, card, loss curve) to a Hub model repo; a GLUE
    classifier saved by ``eval-glue --save_models`` gets a card with its task's results."""
    if (Path(output_dir) / "hf_leaner_glue.json").is_file():
        from hf_leaner.hub.eval_results import write_classifier_card

        write_classifier_card(output_dir, repo_id)
    else:
        write_model_card(output_dir, repo_id, objective)
    api = HfApi(token=token)
    check_no_tokens(output_dir, PUSH_IGNORE, token=api.token)  # before the repo is even created
    api.create_repo(repo_id, private=private, exist_ok=True)
    info = upload_folder(api, output_dir, repo_id, ignore_patterns=PUSH_IGNORE,
                         commit_message="Upload tiny model trained with hf-leaner")
    return str(info.commit_url)
