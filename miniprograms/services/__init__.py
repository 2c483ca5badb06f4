"""Writes of the miniprograms app (STYLE.md §3): ``<entity>_<verb>()``, keyword-only, audited.

``profile``: create, staged profile edits, "Release to" host apps, the profile release;
``lifecycle``: on/off shelf, offline from one host app, delete; ``members``: assigned
Developers and the tester whitelist.
"""
