"""The state database: runs, checkpoints, mandates, keys' metadata, events, accounts.

SQLite by default (embedded, nothing to set up), PostgreSQL for a real deployment: one URL
(``store_url`` in the settings) chooses. Everything goes through SQLAlchemy Core.
"""

from sceau.store.engine import open_store
from sceau.store.errors import StoreError

__all__ = ["StoreError", "open_store"]
