"""Fine-tune all-MiniLM-L6-v2 on the knowledge base, so the retrieval encoder knows this page.

`make train` runs it in the action-server environment (CPU torch), then exports the result to ONNX
(actions/export_encoder.py), which both servers run (knowledge/minilm.py):

    python -m actions.finetune_encoder build/minilm

It starts from the official weights (sha256-checked, knowledge/minilm_weights.py) and learns, with
a multiple-negatives ranking loss, that each example question of a topic is close to the topic's
other questions and its title and far from:
- the other topics of the same batch (each batch holds one pair per topic);
- one hard negative per pair: a question of a confusable topic (a related topic, or one of the
  three topics the stock model finds closest), or a question the page does not cover
  (nlu/out_of_scope.yml), so those move away from every topic.
Seeded and on CPU: the same inputs give the same weights on the same machine. It writes the
model, `model.sha256` (the weights' hash, checked whenever they are loaded) and `training.json`
(seed, steps, losses, seconds). No text of the training data is printed or logged.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge import KnowledgeBase, load  # noqa: E402
from knowledge.minilm_weights import HASH_FILE, MODEL_SHA256, stock_model_dir, verify_weights  # noqa: E402

SEED = 2024
EPOCHS = 2
BATCH_TOPICS = 32  # pairs per batch, each from another topic
LEARNING_RATE = 3e-5
WARMUP = 0.1
SCALE = 20.0  # the similarity scale of the ranking loss (sentence-transformers' default)
HARD_FROM_OUT_OF_SCOPE = 0.4  # the share of hard negatives that are questions the page does not cover
MAX_WORD_PIECES = 32  # most questions are shorter; longer ones are cut for training only (it keeps a step near 1 s)
# The tokenizer's files and the reading limit (256 word pieces), copied from the official model, as
# fine-tuning does not change them: the NumPy encoder of the Rasa server reads the same.
COPIED_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json",
                "sentence_bert_config.json")


def out_of_scope_examples(root: Path = ROOT) -> List[str]:
    texts: List[str] = []
    for block in yaml.safe_load((root / "nlu" / "out_of_scope.yml").read_text(encoding="utf-8"))["nlu"]:
        if block.get("intent") == "out_of_scope":
            texts += [line.strip()[2:] for line in str(block.get("examples") or "").splitlines()
                      if line.strip().startswith("- ")]
    return texts


def confusable_topics(kb: KnowledgeBase, model, closest: int = 3) -> Dict[str, List[str]]:
    """For each topic: its related topics and the topics whose questions the stock model puts
    closest to its own (the ones retrieval confuses it with)."""
    import numpy as np

    ids = list(kb.topics)
    centroids = []
    for topic_id in ids:
        topic = kb.topics[topic_id]
        vectors = model.encode([topic.title, *topic.examples], normalize_embeddings=True, convert_to_numpy=True,
                               show_progress_bar=False, batch_size=64)
        centroid = vectors.mean(axis=0)
        centroids.append(centroid / np.linalg.norm(centroid))
    similarity = np.stack(centroids) @ np.stack(centroids).T
    result = {}
    for row, topic_id in enumerate(ids):
        order = [ids[column] for column in np.argsort(-similarity[row]) if ids[column] != topic_id][:closest]
        result[topic_id] = list(dict.fromkeys([*kb.topics[topic_id].related, *order]))
    return result


def training_triplets(kb: KnowledgeBase, confusable: Dict[str, List[str]], out_of_scope: Sequence[str],
                      rng: random.Random) -> List[Tuple[str, str, str, str]]:
    """(topic id, anchor, positive, hard negative) for every example question and title."""
    triplets = []
    for topic_id, topic in kb.topics.items():
        texts = [topic.title, *topic.examples]
        for index, anchor in enumerate(texts):
            positive = rng.choice([text for number, text in enumerate(texts) if number != index])
            if out_of_scope and rng.random() < HARD_FROM_OUT_OF_SCOPE:
                negative = rng.choice(out_of_scope)
            else:
                other = kb.topics[rng.choice(confusable[topic_id])]
                negative = rng.choice([other.title, *other.examples])
            triplets.append((topic_id, anchor, positive, negative))
    return triplets


def batches(triplets: List[Tuple[str, str, str, str]], size: int, rng: random.Random) -> List[list]:
    """Shuffled batches in which no two pairs share a topic, so no in-batch negative is in fact a
    positive."""
    pending = list(triplets)
    rng.shuffle(pending)
    result = []
    while pending:
        batch, topics, rest = [], set(), []
        for item in pending:
            if len(batch) < size and item[0] not in topics:
                batch.append(item)
                topics.add(item[0])
            else:
                rest.append(item)
        result.append(batch)
        pending = rest
    return [batch for batch in result if len(batch) > 1]


def train(out: Path, kb: KnowledgeBase, seed: int = SEED, epochs: int = EPOCHS) -> dict:
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    started = time.monotonic()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    stock = stock_model_dir()
    verify_weights(stock, MODEL_SHA256)
    model = SentenceTransformer(str(stock), device="cpu")
    model.max_seq_length = MAX_WORD_PIECES
    confusable = confusable_topics(kb, model)
    out_of_scope = out_of_scope_examples()

    plan = [batches(training_triplets(kb, confusable, out_of_scope, rng), BATCH_TOPICS, rng) for _ in range(epochs)]
    steps = sum(len(epoch) for epoch in plan)
    # The word-piece embeddings stay as they are (a third of the weights, and most of the time an
    # optimizer step takes): the questions' words are ordinary English, the layers above learn.
    for name, parameter in model.named_parameters():
        if "word_embeddings" in name:
            parameter.requires_grad_(False)
    trained = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimizer = torch.optim.AdamW(trained, lr=LEARNING_RATE, weight_decay=0.01)
    warmup = max(1, int(WARMUP * steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / max(1, steps - warmup))))
    model.train()
    losses: List[float] = []
    done = 0
    for epoch in plan:
        total = 0.0
        for batch in epoch:
            columns = [[item[column] for item in batch] for column in (1, 2, 3)]
            anchors, positives, negatives = (
                torch.nn.functional.normalize(model(model.preprocess(texts))["sentence_embedding"], dim=-1)
                for texts in columns)
            candidates = torch.cat([positives, negatives])  # each anchor's positive is at its own row
            scores = SCALE * anchors @ candidates.T
            loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(batch)))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            total += float(loss.detach())
            done += 1
            if done % 20 == 0:
                print(f"step {done}/{steps}, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        losses.append(round(total / len(epoch), 4))
    model.eval()
    model.max_seq_length = 256  # the official model's limit, as the servers read it

    if out.exists():
        shutil.rmtree(out)
    model.save(str(out))
    for name in COPIED_FILES:
        if (stock / name).exists():
            shutil.copyfile(stock / name, out / name)
    digest = hashlib.sha256((out / "model.safetensors").read_bytes()).hexdigest()
    (out / HASH_FILE).write_text(digest + "\n", encoding="ascii")
    report = {"base_sha256": MODEL_SHA256, "sha256": digest, "seed": seed, "epochs": epochs, "steps": steps,
              "batch_topics": BATCH_TOPICS, "learning_rate": LEARNING_RATE, "pairs_per_epoch": len(plan[0] and
              [item for batch in plan[0] for item in batch]), "mean_loss_per_epoch": losses,
              "torch_threads": torch.get_num_threads(), "seconds": round(time.monotonic() - started, 1)}
    (out / "training.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return report


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    report = train(Path(argv[0]), load())
    print(f"Fine-tuned MiniLM in {report['seconds']} s ({report['steps']} steps, losses by epoch "
          f"{report['mean_loss_per_epoch']}); sha256 {report['sha256']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
