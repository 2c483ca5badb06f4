"""Forms of the workspaces app: input shape and per-field checks only, one module per area."""
