"""Where the semantic stage's model comes from: a folder on disk, or the Hugging Face Hub once.

`SEMANTIC_MODEL` names a local folder, or a Hugging Face repository whose files are downloaded
on first use into `MODEL_CACHE_DIR` and read from there afterwards (no network once they are
there). When neither works, or `SEMANTIC=auto` finds the briefing too large to encode, the bot
answers with words alone and says why in one line (`ModelChoice.note`).
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings
from .search.embed import Encoder, ModelError

log = logging.getLogger(__name__)

TOKENIZER = "tokenizer.json"
# The ONNX export a Hugging Face repository of a sentence-transformers model publishes.
HUB_MODEL_FILE = "onnx/model.onnx"
OFF_HINT = "answering with words alone (SEMANTIC=off silences this)"
FAILED_MARKER = ".download-failed"
RETRY_AFTER_SECONDS = 3600


@dataclass
class ModelChoice:
    """The model the semantic stage uses, opened at most once a process, or why there is none."""

    settings: Settings
    note: str | None = None  # one line saying why semantic matching is off, if it is
    _encoder: Encoder | None = field(default=None, repr=False)
    _error: str | None = field(default=None, repr=False)
    _opening: threading.Thread | None = field(default=None, repr=False)

    def prefetch(self) -> None:
        """Start opening the model in a thread, while the caller loads the index.

        onnxruntime reads the model without holding the GIL, so `bot ask` pays for most of it
        while it imports and loads the rest.
        """
        if self.settings.semantic != "off" and self._opening is None:
            self._opening = threading.Thread(target=self._open, name="model", daemon=True)
            self._opening.start()

    def for_sentences(self, sentences: int) -> Encoder | None:
        """The encoder for an index of this many sentences, or None (then `note` says why)."""
        self.note = None
        if self.settings.semantic == "off":
            return None
        limit = self.settings.semantic_max_sentences
        if self.settings.semantic == "auto" and sentences > limit:
            self.note = (
                f"semantic matching is off: {sentences:,} sentences are more than "
                f"SEMANTIC_MAX_SENTENCES ({limit:,}), the most SEMANTIC=auto encodes; "
                "answering with words alone (SEMANTIC=on encodes them anyway)"
            )
            return None
        self.prefetch()
        assert self._opening is not None
        self._opening.join()
        self.note = self._error
        return self._encoder

    def _open(self) -> None:
        try:
            self._encoder = open_model(self.settings)
        except ModelError as exc:
            self._error = f"semantic matching is off: {exc}; {OFF_HINT}"


_CHOICES: dict[tuple, ModelChoice] = {}


def choice(settings: Settings) -> ModelChoice:
    """The process's model choice for these model settings (the model is opened once)."""
    key = (
        settings.semantic,
        settings.semantic_model,
        settings.semantic_model_file,
        settings.model_cache_dir,
        settings.semantic_max_sentences,
        settings.hf_endpoint,
    )
    if key not in _CHOICES:
        _CHOICES[key] = ModelChoice(settings)
    return _CHOICES[key]


def open_model(settings: Settings) -> Encoder:
    """Open the configured model, downloading it first when it is a repository not yet here.

    Raises:
        ModelError: the folder is not a usable model, or the download failed.
    """
    name = settings.semantic_model
    local = Path(name).expanduser()
    if local.is_dir():
        return Encoder(local, settings.semantic_model_file)
    if name.startswith((".", "/", "~")) or name.count("/") != 1:
        raise ModelError(
            f"SEMANTIC_MODEL {name!r} is neither a folder nor a Hugging Face repository"
        )
    model_file = settings.semantic_model_file or HUB_MODEL_FILE
    folder = settings.model_cache_dir / name.replace("/", "--")
    missing = [f for f in (TOKENIZER, model_file) if not (folder / f).is_file()]
    if missing:
        _download(settings, name, folder, missing)
    return Encoder(folder, model_file)


def _download(settings: Settings, repo: str, folder: Path, files: list[str]) -> None:
    """Fetch `files` of a Hugging Face repository into `folder`, with a progress bar.

    A failed attempt is remembered in `folder` for `RETRY_AFTER_SECONDS`, so that an offline
    machine does not wait for the Hub at every start.
    """
    marker = folder / FAILED_MARKER
    if marker.is_file() and time.time() - marker.stat().st_mtime < RETRY_AFTER_SECONDS:
        reason = marker.read_text(encoding="utf-8", errors="replace").strip()
        raise ModelError(f"{reason} (not tried again before an hour has passed; delete {marker})")
    try:
        from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url
    except ImportError as exc:  # a trimmed install
        raise ModelError("huggingface_hub is not installed: the model cannot be fetched") from exc
    endpoint = settings.hf_endpoint or None
    quiet = logging.getLogger("huggingface_hub")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # its retries and warnings: the note says it in one line
    try:
        # A quick look first (no retries): offline, this fails at once instead of backing off.
        get_hf_file_metadata(hf_hub_url(repo, files[0], endpoint=endpoint), timeout=10)
        print(f"Downloading the semantic model {repo} into {folder} (once)…", file=sys.stderr)
        for name in files:
            hf_hub_download(repo, name, local_dir=folder, endpoint=endpoint)
    except Exception as exc:  # network, HTTP and disk errors all mean: no model
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        reason = f"could not download {repo} ({first or type(exc).__name__})"
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            marker.write_text(reason + "\n", encoding="utf-8")
        raise ModelError(reason) from exc
    finally:
        quiet.setLevel(level)
    marker.unlink(missing_ok=True)
