"""A mini program's Development tab (issue 12): server domains and WAP URLs
(``miniprograms.domains``), JSAPI permissions (``miniprograms.jsapis``), AppSecret and OAuth
(``miniprograms.secrets``) and environment variables (``miniprograms.envvars``).

``runtime`` is what the runtime API (``releases.runtime``) reads of them for its snapshot.
"""
