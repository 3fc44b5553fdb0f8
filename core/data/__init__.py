"""The data a network trains on: the `Dataset` record (`dataset`), seeded toy data
(`generators`), CSV files (`csv`), reading a named file safely (`files`) and how much a
data set may hold (`limits`)."""
