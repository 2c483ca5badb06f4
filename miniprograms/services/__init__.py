"""Writes of the miniprograms app (STYLE.md §3): ``<entity>_<verb>()``, keyword-only, audited.

``profile``: create, staged profile edits (whole or partial), the profile release, with the
rules that need the database in ``profile_rules`` and the logo files in ``logo``;
``host_apps``: "Release to" and the one door for a target's status; ``lifecycle``: on/off
shelf, offline from one host app, delete; ``members``: assigned Developers, the quick start's
team step and the tester whitelist.
"""
