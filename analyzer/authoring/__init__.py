"""Tools for rule authors: lint and example tests of the knowledge base, rule docs, rule suggestions."""
