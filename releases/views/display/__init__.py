"""What the version pages show, computed from rows the selectors already loaded (no queries).

One module per part of the pages: ``status`` (the pipeline steps, the live answer the pages poll,
the flash after an upload), ``timeline`` (a version's life with who and when, its audit rows),
``table`` (the versions table's rows), ``report`` (package sizes against the 2 MB advice and the
quality findings) and ``diff`` (the package diff's parts and files).

Badge tones follow the console's one-colour-per-meaning rule (UI.md): grey waiting, blue in
progress, green done, amber worth a look, red failed.
"""
