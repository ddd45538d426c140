// Training: configs, the trainer and checkpoints.
