"""backprop-tui engine: a numpy multi-layer perceptron in the notation of the notes."""
