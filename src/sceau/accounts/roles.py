"""Roles and what each may do: one table, deny by default.

An action that is not in :data:`PERMISSIONS` is allowed to nobody, so a new command is refused
until someone decides, here, who may run it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What an individual is to the data: the lab that owns it, the vendor moving it, ..."""

    CONTROLLER = "controller"  # the lab (director, DPO): decides and signs
    OPERATOR = "operator"  # the processor's engineer: scans, drafts, migrates
    AUDITOR = "auditor"  # reads and verifies, changes nothing
    ADMIN = "admin"  # manages accounts and keys, never reads data


_C, _O, _A, _ADM = Role.CONTROLLER, Role.OPERATOR, Role.AUDITOR, Role.ADMIN

PERMISSIONS: dict[str, frozenset[Role]] = {
    "scan": frozenset({_C, _O}),
    "trace": frozenset({_C, _A}),  # a file that turned up: the lab and its incident responder
    "sweep": frozenset({_C, _O}),  # stray copies on one's own servers: finds name files, not people
    # incidents: the processor's people open one and record their notice; the lab does the rest
    "incident.read": frozenset({_C, _O, _A}),
    "incident.open": frozenset({_C, _O, _A}),
    "incident.notice": frozenset({_C, _O, _A}),
    "incident.record": frozenset({_C, _A}),
    "mandate.draft": frozenset({_C, _O}),
    "mandate.sign": frozenset({_C}),
    "mandate.overrule": frozenset({_C}),  # a draft: the scan's finding, the controller's fields
    "mandate.verify": frozenset({_C, _O, _A}),
    "keys.new-signer": frozenset({_C}),
    "keys.revoke": frozenset({_C, _ADM}),  # the owner their own key; an admin any key
    "keys.rotate": frozenset({_ADM}),
    "keys.db-password": frozenset({_C, _O, _ADM}),
    "migrate": frozenset({_O}),
    "retention.enforce": frozenset({_C, _O, _ADM}),
    "runs.abandon": frozenset({_C, _O}),
    "reports.read": frozenset({_C, _O, _A, _ADM}),
    "audit.read": frozenset({_C, _A, _ADM}),
    "audit.lockdown": frozenset({_ADM}),
    "alerts.answer": frozenset({_C, _O, _ADM}),
    "alerts.run": frozenset({_ADM}),
    "users.manage": frozenset({_ADM}),
    "mfa.manage": frozenset({_C, _O, _A, _ADM}),  # one's own second factors
    # the service (sceau serve): one's own session and tokens, and what the service describes
    "account.self": frozenset({_C, _O, _A, _ADM}),
    "service.describe": frozenset({_C, _O, _A, _ADM}),  # the OpenAPI schema
    "signers.read": frozenset({_C, _O, _A, _ADM}),  # public keys and who holds them
}


def allowed(role: Role, action: str) -> bool:
    """Whether ``role`` may run ``action``; an action missing from the table is refused."""
    return role in PERMISSIONS.get(action, frozenset())


def roles_for(action: str) -> list[Role]:
    """The roles that may run ``action``, in the order of :class:`Role` (for error hints)."""
    permitted = PERMISSIONS.get(action, frozenset())
    return [role for role in Role if role in permitted]
