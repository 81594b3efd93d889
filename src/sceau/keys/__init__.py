"""Key providers: where the keys that protect a run's staging live, and die.

Envelope encryption: each run gets its own key-encryption key (KEK) at the provider; the run's
data key is generated here, used in memory, and stored only wrapped under that KEK. Destroying
the KEK at the provider is crypto-shredding: the wrapped data key, and everything it sealed,
can no longer be opened by anything left on the machine.
"""

from sceau.keys.base import (
    PROVIDERS,
    KeyDestroyedError,
    KeyProvider,
    KeyProviderError,
    open_provider,
    registered,
)

__all__ = [
    "PROVIDERS",
    "KeyDestroyedError",
    "KeyProvider",
    "KeyProviderError",
    "open_provider",
    "registered",
]
