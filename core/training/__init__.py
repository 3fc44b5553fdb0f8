"""Training: the trainer, its snapshots and history, and the rule for when a run stops."""
