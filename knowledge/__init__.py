"""The bot's content (YAML) and its pure loader."""
from knowledge.loader import KnowledgeBase, KnowledgeError, Topic, load  # noqa: F401
