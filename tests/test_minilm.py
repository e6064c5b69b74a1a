"""The servers' ONNX encoder gives the embeddings sentence-transformers gives, and only from a
checked export of the weights in use.

Both servers embed with knowledge/minilm.py: the Rasa server for the NLU's dense features, the
action server for retrieval. If it drifted from the real model, the classifier would be trained
on features that mean something else than the fine-tuned encoder's, and retrieval would score
with a model nobody trained, so it is compared with sentence-transformers itself.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from knowledge.minilm import (EXPORT_RECORD, MAX_WORD_PIECES, ONNX_FILE, STOCK_EXPORT_DIR, Encoder,
                              compute_threads, export_dir, get_encoder)
from knowledge.minilm_weights import (FINETUNED_DIR, MODEL_SHA256, ModelIntegrityError, expected_sha256,
                                      model_dir)
from tests.conftest import ROOT

TEXTS = [
    "what is mibg",
    "My son was just diagnosed with neuroblastoma and I am so scared, what does stage 4S mean?",
    "wat r the side efects of chemo",
    "¿Qué es el neuroblastoma?",
    "神经母细胞瘤是什么",
    "<script>alert('x')</script>",
    "'; DROP TABLE users; --",
    "",
    "tell me more " * 200,  # longer than the model reads
]


@pytest.fixture(scope="module")
def both():
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(model_dir()), device="cpu")
    return get_encoder().encode(TEXTS), reference.encode(TEXTS, normalize_embeddings=True)


def test_onnx_encoder_matches_sentence_transformers(both):
    ours, reference = both
    assert ours.shape == reference.shape == (len(TEXTS), 384)
    cosine = (ours * reference).sum(axis=1)
    assert cosine.min() > 0.9999, dict(zip(TEXTS, cosine.round(6)))
    assert np.abs(ours - reference).max() < 1e-4


def test_the_stock_export_matches_the_official_model():
    from sentence_transformers import SentenceTransformer

    environ = {"MINILM_ENCODER": "stock"}
    stock = Encoder(export_dir(environ), MODEL_SHA256)
    reference = SentenceTransformer(str(model_dir(environ)), device="cpu").encode(TEXTS[:4], normalize_embeddings=True)
    assert export_dir(environ) == STOCK_EXPORT_DIR and export_dir() == FINETUNED_DIR
    assert (stock.encode(TEXTS[:4]) * reference).sum(axis=1).min() > 0.9999


def test_embeddings_are_unit_length_and_finite(both):
    ours, _ = both
    assert np.isfinite(ours).all()
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_order_and_batching_do_not_change_an_embedding():
    encoder = get_encoder()
    alone = encoder.encode(["is neuroblastoma hereditary"])[0]
    mixed = encoder.encode(["hi", "is neuroblastoma hereditary", "a much longer question " * 20], batch_size=2)
    assert np.allclose(alone, mixed[1], atol=1e-5)
    assert encoder.encode([]).shape == (0, 384)


def test_long_text_is_cut_at_the_models_limit():
    pieces = get_encoder().tokenizer.encode("tell me more " * 500).ids
    assert len(pieces) == MAX_WORD_PIECES


def test_the_rasa_environment_computes_the_same_embeddings():
    script = ("import json, sys; from knowledge.minilm import get_encoder; "
              "print(json.dumps(get_encoder().encode(json.loads(sys.argv[1])).tolist()))")
    from tests.conftest import RASA_BIN, base_env

    result = subprocess.run([str(RASA_BIN / "python"), "-c", script, json.dumps(TEXTS)], cwd=ROOT, env=base_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    theirs = np.array(json.loads(result.stdout.strip().splitlines()[-1]), dtype=np.float32)
    assert (theirs * get_encoder().encode(TEXTS)).sum(axis=1).min() > 0.9999


def test_neither_server_needs_torch_to_embed():
    script = "import sys; from knowledge.minilm import get_encoder; get_encoder().encode(['hi']); print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "False"


def copy_export(tmp_path):
    copy = tmp_path / "export"
    copy.mkdir()
    for name in (ONNX_FILE, EXPORT_RECORD, "tokenizer.json"):
        shutil.copyfile(FINETUNED_DIR / name, copy / name)
    return copy


def test_a_changed_export_is_refused(tmp_path):
    copy = copy_export(tmp_path)
    with (copy / ONNX_FILE).open("r+b") as model:
        model.seek(-4096, 2)
        byte = model.read(1)
        model.seek(-4096, 2)
        model.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelIntegrityError, match="refusing to load it"):
        Encoder(copy, expected_sha256(FINETUNED_DIR))


def test_an_export_of_other_weights_is_refused(tmp_path):
    copy = copy_export(tmp_path)
    with pytest.raises(ModelIntegrityError, match="other weights"):
        Encoder(copy, MODEL_SHA256)  # the fine-tuned export is not the official model's
    (copy / EXPORT_RECORD).unlink()
    with pytest.raises(ModelIntegrityError, match="missing"):
        Encoder(copy, expected_sha256(FINETUNED_DIR))


def test_the_servers_one_thread_setting_reaches_onnx_runtime():
    assert compute_threads({"OMP_NUM_THREADS": "1"}) == 1
    assert compute_threads({}) == 0  # every core, as in training
    assert compute_threads({"OMP_NUM_THREADS": "many"}) == 0
