"""The roles table: exactly the issue's actions, and nothing for an action it does not name."""

from __future__ import annotations

import pytest

from sceau.accounts import PERMISSIONS, Role, allowed, roles_for

CTL, OPS, AUD, ADM = Role.CONTROLLER, Role.OPERATOR, Role.AUDITOR, Role.ADMIN

EXPECTED = {
    "scan": {CTL, OPS},
    "trace": {CTL, AUD},
    "sweep": {CTL, OPS},  # stray copies on one's own servers: the finds name files, not people
    # incidents: the processor's people open one and record their notice; the lab does the rest
    "incident.read": {CTL, OPS, AUD},
    "incident.open": {CTL, OPS, AUD},
    "incident.notice": {CTL, OPS, AUD},
    "incident.record": {CTL, AUD},
    "mandate.draft": {CTL, OPS},
    "mandate.sign": {CTL},
    "mandate.overrule": {CTL},
    "mandate.verify": {CTL, OPS, AUD},
    "keys.new-signer": {CTL},
    "keys.revoke": {CTL, ADM},  # a controller their own keys (checked by the signer store)
    "keys.rotate": {ADM},
    "keys.db-password": {CTL, OPS, ADM},
    "migrate": {OPS},
    "retention.enforce": {CTL, OPS, ADM},
    "runs.abandon": {CTL, OPS},
    "reports.read": {CTL, OPS, AUD, ADM},
    "audit.read": {CTL, AUD, ADM},
    "audit.lockdown": {ADM},
    "alerts.answer": {CTL, OPS, ADM},
    "alerts.run": {ADM},
    "users.manage": {ADM},
    "mfa.manage": {CTL, OPS, AUD, ADM},  # everyone's own second factors
    "account.self": {CTL, OPS, AUD, ADM},
    "service.describe": {CTL, OPS, AUD, ADM},
    "signers.read": {CTL, OPS, AUD, ADM},
}


def test_the_table_is_exactly_the_agreed_one():
    assert {action: set(roles) for action, roles in PERMISSIONS.items()} == EXPECTED


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_allowed_follows_the_table(role, action):
    assert allowed(role, action) is (role in EXPECTED[action])


@pytest.mark.parametrize("action", ["", "shred", "SCAN", "scan ", "users", "mandate.*", "*"])
def test_an_action_not_in_the_table_is_allowed_to_nobody(action):
    assert not any(allowed(role, action) for role in Role)
    assert roles_for(action) == []


def test_admins_manage_accounts_and_keys_but_never_touch_data():
    for action in ("scan", "migrate", "mandate.draft", "mandate.sign", "mandate.verify"):
        assert not allowed(Role.ADMIN, action)


def test_auditors_change_nothing():
    assert {a for a in PERMISSIONS if allowed(Role.AUDITOR, a)} == {
        "mandate.verify",
        "reports.read",
        "audit.read",
        "mfa.manage",  # their own second factors: their account, not the data
        "account.self",
        "service.describe",
        "signers.read",
        "trace",  # matches a file against the index: reads, changes nothing
        # the incident responder records what was done about a breach, never the data
        "incident.read",
        "incident.open",
        "incident.notice",
        "incident.record",
    }


def test_roles_are_plain_words_stored_as_such():
    assert [str(role) for role in Role] == ["controller", "operator", "auditor", "admin"]
    assert roles_for("retention.enforce") == [CTL, OPS, ADM]
