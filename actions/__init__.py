"""The action server (rasa-sdk). rasa-sdk imports every module of this package at start-up, so
actions/startup.py loads the knowledge base and the retrieval model then. The staff command
(`python -m actions.staff`) imports only what it needs."""
