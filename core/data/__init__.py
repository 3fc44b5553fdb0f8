"""The data a network trains on: the Dataset record, seeded generators and CSV files."""
