"""Development settings: envvars (issue 12)."""
