"""How parents ask for more about what the bot just said ("tell me more", "go on", "what else?").

Shared by the Rasa server's NLU (bot/follow_up.py), which makes sure such a message reaches the
question action whatever the classifier guessed, and by the action server (actions/followups.py),
which answers it with the last topic's next related topic.
"""
from __future__ import annotations

import re

_MORE = re.compile(
    r"^\W*(ok(ay)?\W+|and\W+|please\W+|can you\W+|could you\W+)*"
    r"(tell me (a (little|bit) )?more( about (it|that|this))?|more( info(rmation)?| details)?( please)?|go on|"
    r"what else( should i know| can you tell me)?|keep going|anything else( i should know)?|"
    r"explain (more|further)|say more)\W*(?:please\W*)?$",  # not "\W*(please)?\W*": that tries every split of "!!!..."
    re.IGNORECASE,
)


def wants_more(text: str) -> bool:
    return bool(_MORE.match(text or ""))
