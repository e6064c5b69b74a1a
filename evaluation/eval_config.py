"""Write the evaluation config: config.yml without the FallbackClassifier, so cross-validation
scores the classifier's own intent predictions rather than its refusals, and without the
ResponseSelector, which does not change the intents (it only ranks topics within ask_question;
the dev set measures that through the real servers) and would double the time of the five folds.

    python -m evaluation.eval_config config.yml build/config_eval.yml
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml


def without_fallback(config: dict) -> dict:
    dropped = ("FallbackClassifier", "ResponseSelector")
    pipeline = [step for step in config.get("pipeline") or [] if step.get("name") not in dropped]
    return {**config, "pipeline": pipeline}


def main(source: str, target: str) -> int:
    config = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_text(yaml.safe_dump(without_fallback(config), sort_keys=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
