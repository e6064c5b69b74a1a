"""Loads the knowledge base and the retrieval model once, when the action server starts (rasa-sdk
imports every module of the package), so a bad knowledge file or a wrong model file stops the
server instead of failing a conversation. Later changes to knowledge/ are picked up while it runs
(actions/content.py)."""
from actions.content import store

store()
