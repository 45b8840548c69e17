"""What a run captures without code changes: hyperparameters and the environment."""
