"""Migrate: run a signed mandate exactly once — extract, protect, stage encrypted, load, verify,
shred, certify. :func:`sceau.migrate.pipeline.migrate` is the driver."""
