"""Development settings: domains (issue 12)."""
