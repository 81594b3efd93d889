from tests.plugins.installed import examples, site

__all__ = ["examples", "site"]
