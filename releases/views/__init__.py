"""The version pages of the console (namespace ``releases``; see releases/urls.py)."""
