"""The action server (rasa-sdk). Loads the knowledge base and the retrieval model once, at start-up,
so a bad knowledge file or a wrong model file stops the server instead of failing a conversation.
Later changes to knowledge/ are picked up while it runs (actions/content.py)."""
from actions.content import store

store()
