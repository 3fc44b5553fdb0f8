"""The network itself: activations and losses (records carrying every rule about them), the
readable reference network, the fused fast path, optimizers, initialization and the
gradient check."""
