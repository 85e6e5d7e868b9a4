"""The knowledge base: YAML rules (loading, validation, matching), conditions and the compat tables."""
