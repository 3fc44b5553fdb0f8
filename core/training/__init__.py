"""Training: the trainer, its snapshots and (bounded) history, the rule for when a run
stops, the settings a person may change between steps, and the what-if step session."""
