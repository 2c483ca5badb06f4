"""Models: secrets (imported by ``miniprograms.models``; refer to other models by string)."""
