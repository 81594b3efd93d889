"""The one place for cryptographic recipes: signing, envelopes, canonical forms, signed notes."""
