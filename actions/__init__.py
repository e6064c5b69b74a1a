"""The action server (rasa-sdk). Loads the knowledge base and the retrieval model once, at start-up,
so a bad knowledge file or a wrong model file stops the server instead of failing a conversation."""
from actions.content import knowledge_base, topic_index

knowledge_base()
topic_index()
