"""Sentence embeddings: a MiniLM-style ONNX model run with onnxruntime and tokenizers, no PyTorch.

The model is `sentence-transformers/all-MiniLM-L6-v2` by default: word pieces (at most 256),
the transformer's last hidden state, the mean over the attention mask, then L2 normalisation, so
that the dot product of two vectors is their cosine similarity. Nothing here downloads anything:
an `Encoder` opens a folder that is already on disk (see `bot/models.py` for where it comes from).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

# Word pieces a sentence is cut to (the model's own `max_seq_length`).
MAX_PIECES = 256
BATCH = 64
# ONNX files looked for in a model folder, in this order, when none is named.
MODEL_FILES = ("onnx/model.onnx", "model.onnx")
# Sample of the model file hashed for its identity: this many bytes at this many places.
_SAMPLE_BYTES, _SAMPLES = 65_536, 16


class ModelError(Exception):
    """A model folder that cannot be used: a file missing, unreadable or not a model."""


class Encoder:
    """Turns texts into unit vectors with an ONNX sentence-embedding model."""

    def __init__(self, folder: str | Path, model_file: str | None = None, threads: int = 0):
        """Open the tokenizer and the ONNX model of `folder`.

        Args:
            folder: holds `tokenizer.json` and the ONNX model.
            model_file: the model's path inside `folder`; by default the first of MODEL_FILES.
            threads: onnxruntime's threads (0: one a core, at most 4).

        Raises:
            ModelError: a file is missing or is not what it should be.
        """
        folder = Path(folder)
        names = (model_file,) if model_file else MODEL_FILES
        path = next((folder / n for n in names if (folder / n).is_file()), None)
        if path is None:
            raise ModelError(f"no {' or '.join(names)} in {folder}")
        if not (folder / "tokenizer.json").is_file():
            raise ModelError(f"no tokenizer.json in {folder}")
        import onnxruntime
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # the library raises its own exception types
            raise ModelError(f"{folder / 'tokenizer.json'} is not a tokenizer ({exc})") from exc
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_PIECES)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 4)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about the graph are not the user's business
        # Idle threads sleep instead of spinning: the bot shares its cores with its own event
        # loop and other processes, and spinning doubled the CPU time of a question here.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise ModelError(f"{path} is not an ONNX model onnxruntime can run ({exc})") from exc
        inputs = {i.name for i in session.get_inputs()}
        if not {"input_ids", "attention_mask"} <= inputs:
            raise ModelError(f"{path} does not take input_ids and attention_mask")
        self.folder = folder
        self.model_file = path.relative_to(folder).as_posix()
        self.path = path
        self.identity = _identity(path)
        self._tokenizer = tokenizer
        self._session = session
        self._types = "token_type_ids" in inputs
        self.dimension = int(session.get_outputs()[0].shape[-1])

    def encode(self, texts: Sequence[str], batch: int = BATCH) -> np.ndarray:
        """Unit vectors of `texts` (float32, one row a text), batched by length."""
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not len(texts):
            return vectors
        pieces = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        # Texts of similar length share a batch: padding costs as much as words.
        order = np.argsort([len(p) for p in pieces], kind="stable")
        for lo in range(0, len(order), batch):
            rows = order[lo : lo + batch]
            vectors[rows] = self._embed([pieces[i] for i in rows])
        return vectors

    def _embed(self, pieces: list[list[int]]) -> np.ndarray:
        width = max(len(p) for p in pieces)
        ids = np.zeros((len(pieces), width), dtype=np.int64)
        mask = np.zeros((len(pieces), width), dtype=np.int64)
        for row, p in enumerate(pieces):
            ids[row, : len(p)] = p
            mask[row, : len(p)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if self._types:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feed)[0]
        weights = mask[:, :, None].astype(np.float32)
        mean = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)


def text_keys(texts: Sequence[str]) -> np.ndarray:
    """A stable 64-bit key of each text: a sentence's vector is reused while its text is."""
    return np.fromiter(
        (
            int.from_bytes(
                hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                "little",
                signed=True,
            )
            for t in texts
        ),
        dtype=np.int64,
        count=len(texts),
    )


def _identity(path: Path) -> str:
    """A short fingerprint of a model file: its size and samples of its bytes (cheap to read)."""
    size = path.stat().st_size
    digest = hashlib.blake2b(str(size).encode(), digest_size=8)
    with path.open("rb") as handle:
        for n in range(_SAMPLES):
            handle.seek(size * n // _SAMPLES)
            digest.update(handle.read(_SAMPLE_BYTES))
    return digest.hexdigest()
