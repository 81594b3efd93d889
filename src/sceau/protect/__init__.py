"""Protect: pseudonymise, generalise, redact, re-hash, encrypt — vectorised, on Arrow batches."""
