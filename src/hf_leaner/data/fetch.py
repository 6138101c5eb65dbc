"""``--data auto``: a release copy named on the command line, else the few files a job needs from the Hub dataset
``EmpathYang/TinyHelen`` (``allow_patterns``, cached like any Hub download), else the embedded sample — always with
the reason, so a run's numbers are never read as the method's when they come from the toy sample.

    folder, why = resolve_release("auto", main_job_files("10M"))
"""

from __future__ import annotations

import sys
from pathlib import Path

RELEASE_REPO = "EmpathYang/TinyHelen"
AUTO, SAMPLE = "auto", "sample"


def main_job_files(size: str) -> list[str]:
    """What the main job reads: one corpus size of both texts, LEANER-GLUE, LEANER-Eval and LEANER-Instruct."""
    return [f"data/leaner/{size}/*/*", f"data/ori/{size}/*/*", "data/leaner/glue/*", "data/leaner/eval/*",
            "data/leaner/instruction*.jsonl", "README.md", "LICENSE"]


def resolve_release(data: str | None, allow_patterns: list[str], repo_id: str = RELEASE_REPO,
                    probe_timeout_s: float = 5.0) -> tuple[Path, str]:
    """(folder, why): ``data`` itself when it names a folder; for ``auto`` the Hub's files when it answers (or the
    copy already cached when it does not), otherwise the embedded sample."""
    from hf_leaner.sample_data import SAMPLE_DIR

    if data not in (None, AUTO, SAMPLE):
        return Path(data).expanduser(), "given with --data"
    if data == SAMPLE:
        return SAMPLE_DIR, "asked for with --data sample"
    try:
        return fetch(allow_patterns, repo_id, probe_timeout_s)
    except OSError as exc:
        return SAMPLE_DIR, f"{exc}; using the embedded sample (--data PATH names a release copy)"


def fetch(allow_patterns: list[str], repo_id: str = RELEASE_REPO, probe_timeout_s: float = 5.0) -> tuple[Path, str]:
    """The release's ``allow_patterns`` files from the Hub (``HF_ENDPOINT`` is honoured), or the cached copy when
    the Hub does not answer. ``OSError`` with the reason when neither is there."""
    import httpx
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    endpoint = constants.ENDPOINT
    offline = constants.HF_HUB_OFFLINE
    reason = "offline (HF_HUB_OFFLINE is set)" if offline else None
    if not offline:  # one quick request first: a network that drops packets would otherwise stall the job
        try:
            httpx.head(f"{endpoint}/api/datasets/{repo_id}", timeout=probe_timeout_s, follow_redirects=True)
        except httpx.HTTPError as exc:
            reason = f"the Hub ({endpoint}) did not answer ({type(exc).__name__})"
    if not sys.stderr.isatty():  # a log gets the one line the caller prints, not progress-bar frames
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    try:
        folder = snapshot_download(repo_id, repo_type="dataset", allow_patterns=allow_patterns,
                                   local_files_only=reason is not None, etag_timeout=probe_timeout_s)
    except LocalEntryNotFoundError:
        raise OSError(f"{reason} and no copy of {repo_id} is cached" if reason else
                      f"{repo_id} could not be fetched from {endpoint} and no copy of it is cached") from None
    except (HfHubHTTPError, OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise OSError(f"{repo_id} could not be fetched from {endpoint}: {first}") from None
    files = sum(1 for p in Path(folder).rglob("*") if p.is_file())
    if not (Path(folder) / "data" / "leaner").is_dir():
        raise OSError(f"{repo_id} at {endpoint} has none of the files the job needs ({', '.join(allow_patterns)})")
    if reason:
        return Path(folder), f"{reason}: the copy of {repo_id} cached earlier ({files} files)"
    return Path(folder), f"fetched {files} files of {repo_id} from {endpoint} (cached for the next run)"
