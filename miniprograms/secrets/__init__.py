"""Development settings: secrets (issue 12)."""
