"""What runs in the training process: commands and events, the loop, the process entry and
the controller. Imports no Textual."""
