"""sceau's version, in a module of its own: any room may import it without importing sceau."""

__version__ = "0.1.0"
