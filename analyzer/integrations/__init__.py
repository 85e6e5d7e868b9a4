"""tflog inside other tools: the pre-commit hook and its `[tool.tflog]` configuration."""
