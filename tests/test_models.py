"""Where the semantic model comes from: a folder, a download from a stand-in Hub, or nowhere."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pytest

from bot import models
from bot.config import Settings
from bot.search.embed import ModelError
from tests.conftest import BUNDLED_CORPUS, SHARED_MODEL

needs_model = pytest.mark.skipif(
    not SHARED_MODEL.is_dir(), reason=f"the shared model is not at {SHARED_MODEL}"
)
REPO_ID = "sentence-transformers/all-MiniLM-L6-v2"


class FakeHub(http.server.ThreadingHTTPServer):
    """Answers the Hub's `/<repo>/resolve/<revision>/<file>` with files from the shared model."""

    files: ClassVar[dict[str, str]] = {
        "tokenizer.json": "tokenizer.json",
        "onnx/model.onnx": "model_int8.onnx",  # the smaller file: the download is what is tested
    }
    requests: list[str]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: FakeHub

    def _path(self) -> Path | None:
        prefix = f"/{REPO_ID}/resolve/main/"
        name = self.path[len(prefix) :] if self.path.startswith(prefix) else ""
        return SHARED_MODEL / self.server.files[name] if name in self.server.files else None

    def _headers(self, path: Path) -> None:
        self.send_response(200)
        self.send_header("X-Repo-Commit", "0" * 40)
        self.send_header("ETag", f'"{hashlib.sha1(path.name.encode()).hexdigest()}"')
        self.send_header("Content-Length", str(path.stat().st_size))
        self.end_headers()

    def do_HEAD(self) -> None:
        self.server.requests.append(f"HEAD {self.path}")
        path = self._path()
        if path is None:
            self.send_error(404)
            return
        self._headers(path)

    def do_GET(self) -> None:
        self.server.requests.append(f"GET {self.path}")
        path = self._path()
        if path is None:
            self.send_error(404)
            return
        self._headers(path)
        self.wfile.write(path.read_bytes())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    server = FakeHub(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def settings_for(tmp_path: Path, **changes: object) -> Settings:
    base = Settings(semantic="auto", model_cache_dir=tmp_path / "models")
    return replace(base, **changes)


@needs_model
def test_a_model_folder_is_used_as_it_is(tmp_path: Path) -> None:
    choice = models.ModelChoice(settings_for(tmp_path, semantic_model=str(SHARED_MODEL)))
    encoder = choice.for_sentences(100)
    assert encoder is not None and choice.note is None
    assert encoder.path == SHARED_MODEL / "model.onnx"
    assert choice.for_sentences(100) is encoder  # opened once


def test_off_means_no_model_and_no_note(tmp_path: Path) -> None:
    choice = models.ModelChoice(settings_for(tmp_path, semantic="off"))
    assert choice.for_sentences(10) is None and choice.note is None


def test_auto_keeps_a_large_briefing_lexical_and_says_so(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, semantic_max_sentences=1000, semantic_model="/nowhere")
    choice = models.ModelChoice(settings)
    assert choice.for_sentences(5000) is None
    assert "5,000 sentences" in choice.note and "SEMANTIC_MAX_SENTENCES (1,000)" in choice.note


def test_a_missing_folder_turns_semantic_matching_off_with_one_line(tmp_path: Path) -> None:
    choice = models.ModelChoice(settings_for(tmp_path, semantic_model=str(tmp_path / "none")))
    assert choice.for_sentences(10) is None
    assert choice.note.startswith("semantic matching is off: SEMANTIC_MODEL")
    assert "\n" not in choice.note


@needs_model
def test_the_model_is_downloaded_once_from_the_hub(tmp_path: Path, hub: FakeHub, capsys) -> None:
    endpoint = f"http://127.0.0.1:{hub.server_address[1]}"
    settings = settings_for(tmp_path, hf_endpoint=endpoint)
    encoder = models.open_model(settings)
    folder = tmp_path / "models" / REPO_ID.replace("/", "--")
    assert encoder.path == folder / "onnx" / "model.onnx"
    assert (folder / "tokenizer.json").read_bytes() == (
        SHARED_MODEL / "tokenizer.json"
    ).read_bytes()
    assert "Downloading the semantic model" in capsys.readouterr().err
    assert any(r.startswith("GET") and r.endswith("onnx/model.onnx") for r in hub.requests)
    # Once there, the files are read from disk: the Hub is not asked again.
    hub.requests.clear()
    assert models.open_model(settings).identity == encoder.identity
    assert hub.requests == []


def test_a_failed_download_is_said_once_and_not_retried_at_every_start(
    tmp_path: Path, hub: FakeHub
) -> None:
    endpoint = f"http://127.0.0.1:{hub.server_address[1]}"
    settings = settings_for(tmp_path, hf_endpoint=endpoint, semantic_model="someone/missing")
    with pytest.raises(ModelError, match="could not download someone/missing"):
        models.open_model(settings)
    asked = len(hub.requests)
    assert asked >= 1
    with pytest.raises(ModelError, match="not tried again before an hour"):
        models.open_model(settings)
    assert len(hub.requests) == asked


def test_the_cli_answers_with_words_when_the_model_is_missing(monkeypatch, capsys) -> None:
    from bot.cli import main

    monkeypatch.setenv("SEMANTIC", "on")
    monkeypatch.setenv("SEMANTIC_MODEL", "/no/such/model")
    assert main(["ask", "--corpus", str(BUNDLED_CORPUS), "How many people fled Aleppo?"]) == 0
    captured = capsys.readouterr()
    assert "20,000 people" in captured.out
    notes = [line for line in captured.err.splitlines() if line.startswith("note:")]
    assert len(notes) == 1 and "semantic matching is off" in notes[0]
