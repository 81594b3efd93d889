"""The one place for recipes: sealing, signing, canonical JSON and key derivation.

Every other room uses these recipes and never a primitive: :mod:`envelope` seals (AES-256-GCM,
versioned), :mod:`signing` signs (Ed25519 over a context label and a message, the fingerprint,
public keys as PEM), :mod:`canonical` writes the exact bytes that are hashed or signed (RFC 8785),
and :mod:`kdf` derives every key; :mod:`note` writes and opens C2SP signed notes (the audit
checkpoints). :mod:`_hazmat` holds the raw primitives and is theirs alone. The exact bytes of
each signed artefact are in docs/recipes.md.
"""
