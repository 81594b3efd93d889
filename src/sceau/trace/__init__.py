"""Trace: the fingerprints of every reading of patient rows, so that a leaked file can be traced
to the scans, runs and exports that held its people (DESIGN.md, capability 6)."""
