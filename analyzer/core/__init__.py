"""The vocabulary every stage shares: the report model, text normalisation, the on-disk cache, the version."""
