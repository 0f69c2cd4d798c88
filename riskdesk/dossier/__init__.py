"""The canonical enterprise dossier, its providers, diffs and features (pure Python, no Django)."""
