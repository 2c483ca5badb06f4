"""The release room (STYLE.md §2): release targets, submit, the review's decisions, publish,
rollback and history. Writes are importable from ``services`` (state, submit, review, publish;
``events`` and ``notify`` announce every change by webhook and email); reads are in
``selectors`` and ``releases.selectors``."""
