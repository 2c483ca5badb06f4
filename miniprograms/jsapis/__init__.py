"""Development settings: jsapis (issue 12)."""
