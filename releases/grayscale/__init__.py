"""The grayscale room (SPEC §6, issue 11): gradual releases of an approved version to part of a
target's users.

* ``models`` — :class:`GrayscaleTask` (per release target, newest first), its target-object lists
  (one text row per kind) and its admissions (the cohort, one row per user);
* ``targeting`` — the pure evaluation function the runtime and the audience preview share;
* ``services`` — create, the state door (:func:`grayscale_transition`, the table is
  ``releases/transitions.py``), suspend/resume/end, raise the percentage, the staged schedule,
  the hotfix (replace the version), what publishing ends, and the beat's tick;
* ``selectors`` — the lists, and the compiled rules for the runtime snapshot;
* ``admission`` — the atomic "admit this user under the limit" (Redis or the database).
"""
