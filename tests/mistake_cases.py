"""Test data shared by the compare tests of core and of the command line."""

# The network and phase where each catalogue mistake gives numbers other than the right
# ones: no-transpose needs a square W(2), missing-batch-mean a batch, wrong-input a layer
# whose input and output have as many units.
MISTAKE_CASES = {
    "missing-bias": ("seed-toy", "forward_z", 1),
    "squared-error-factor": ("seed-toy", "delta_output", 2),
    "sign-flipped-error": ("seed-toy", "delta_output", 2),
    "missing-activation-derivative": ("seed-toy", "delta_hidden", 1),
    "wrong-activation-derivative": ("seed-toy", "delta_hidden", 1),
    "no-transpose": ("two-two-two", "delta_hidden", 1),
    "updated-weights-in-backward": ("seed-toy", "delta_hidden", 1),
    "missing-batch-mean": ("xor", "grad_W", 1),
    "wrong-input-in-gradient": ("two-two-two", "grad_W", 1),
    "update-sign": ("seed-toy", "update_W", 2),
    "missing-learning-rate": ("seed-toy", "update_W", 2),
}
