"""Write services of the workspaces app, one module per entity (STYLE.md §3, §5)."""
