"""A scalar computation graph: nodes and their local derivatives, the graph walk, the
expression parser, and the MLP as a graph."""
