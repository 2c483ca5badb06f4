"""The package room: everything between an uploaded zip and a version ready for review.

``uploads`` streams the request body to a temporary file while hashing it, ``versioning``
parses and compares version numbers, ``jobs`` is the ledger the worker claims its work from,
``scanner`` checks a package's structure, ``builder`` writes the runtime parts, ``quality`` gives
the advisory review, ``diff`` compares two packages' file lists and ``downloads`` answers with a
stored file. Views, the API, tasks and services call into this room; it never imports views,
forms or the API.

The rest of the release half gets sibling rooms beside this one: ``review/`` (review requests),
``release/`` (targets, publish, rollback, history), ``grayscale/`` (tasks and the pure targeting
module) and ``runtime/`` (snapshot, resolve, signing).
"""
