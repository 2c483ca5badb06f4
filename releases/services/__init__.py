"""Writes of the releases app: ``versions`` (upload, the status door, retry) and ``pipeline``
(the scan, build and quality-review runs the worker executes through the job ledger)."""
