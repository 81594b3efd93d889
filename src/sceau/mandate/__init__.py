"""The mandate: model, draft (scan → mandate), policy, scope, sign and verify."""
