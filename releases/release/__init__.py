"""The release room (STYLE.md §2): release targets, submit, the review's decisions, publish,
rollback and history. Writes are in ``services``; reads in ``releases.selectors``."""
