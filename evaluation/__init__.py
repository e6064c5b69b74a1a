"""`make evaluate`: how well the bot understands parents' questions, measured through the real
servers, with the thresholds' trade-off and a plain-retrieval baseline for comparison."""
