"""The sentence encoder both servers run: all-MiniLM-L6-v2 (or its fine-tuned copy) in ONNX Runtime.

`make train` exports the sha256-checked weights to ONNX once (actions/export_encoder.py: the
transformer, mean pooling over the word pieces and the L2 norm, in one graph) and records the
export's hash and the hash of the weights it came from in `onnx.json` beside it. Both Python
environments load that file here, so the Rasa server's NLU features and the action server's
retrieval are the same numbers, with no torch in either server. sentence-transformers stays where
it belongs: fine-tuning, and the tests that check this encoder against it (cosine > 0.9999).

A model file whose hash is not the recorded one, or whose weights are not the ones the servers
are set to use, is refused.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from knowledge.minilm_weights import (FINETUNED_DIR, ROOT, ModelIntegrityError, encoder_name,
                                      expected_sha256, file_sha256, model_dir)

MAX_WORD_PIECES = 256  # the model's own limit (sentence_bert_config.json)
ONNX_FILE = "model.onnx"
EXPORT_RECORD = "onnx.json"
STOCK_EXPORT_DIR = ROOT / "build" / "minilm-stock"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export_dir(environ: Optional[dict] = None) -> Path:
    """Where `make train` puts the ONNX export of the encoder the servers are set to use."""
    return FINETUNED_DIR if encoder_name(environ) == "finetuned" else STOCK_EXPORT_DIR


def verify_export(directory: Path, weights_sha256: str) -> None:
    """Refuse an export that was changed, or that was made from other weights than the expected."""
    model, record = directory / ONNX_FILE, directory / EXPORT_RECORD
    if not model.is_file() or not record.is_file():
        raise ModelIntegrityError(f"the ONNX encoder is missing from {directory}: run `make train`")
    recorded = json.loads(record.read_text(encoding="utf-8"))
    if recorded.get("weights_sha256") != weights_sha256:
        raise ModelIntegrityError(f"{model} was exported from other weights than the ones in use: run `make train`")
    actual = file_sha256(model)
    if actual != recorded.get("sha256"):
        raise ModelIntegrityError(f"{model} has sha256 {actual}, expected {recorded.get('sha256')}; refusing to load it")


def compute_threads(environ: Optional[dict] = None) -> int:
    """ONNX Runtime's threads: the servers' one-thread setting (OMP_NUM_THREADS, which `make run`
    sets from SERVER_THREADS), or every core (0) when it is not set, as in training."""
    value = (environ if environ is not None else os.environ).get("OMP_NUM_THREADS", "").strip()
    return int(value) if value.isdigit() else 0


class Encoder:
    """L2-normalised sentence embeddings (384 floats) from the exported model."""

    def __init__(self, directory: Path, weights_sha256: str, threads: int = 0) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        verify_export(directory, weights_sha256)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(directory / ONNX_FILE), options,
                                                    providers=["CPUExecutionProvider"])
        self.dimensions = int(self.session.get_outputs()[0].shape[-1])
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_WORD_PIECES)
        self.tokenizer.no_padding()

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """One row per text, shape (len(texts), 384), float32."""
        batch_size = max(1, batch_size)
        encodings = self.tokenizer.encode_batch([str(text) for text in texts])
        result = np.zeros((len(encodings), self.dimensions), dtype=np.float32)
        # Similar lengths together keep the padding small; the order is restored at the end.
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            length = max(len(encodings[i].ids) for i in chunk)  # at least [CLS] [SEP]
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.int64)
            for row, i in enumerate(chunk):
                pieces = encodings[i].ids
                ids[row, :len(pieces)] = pieces
                mask[row, :len(pieces)] = 1
            feed = dict(zip(INPUTS, (ids, mask, np.zeros_like(ids))))
            result[chunk] = self.session.run(None, feed)[0]
        return result


@lru_cache(maxsize=1)
def get_encoder() -> Encoder:
    """The encoder the servers are set to use (MINILM_ENCODER), verified and loaded once per process."""
    return Encoder(export_dir(), expected_sha256(model_dir()), compute_threads())
