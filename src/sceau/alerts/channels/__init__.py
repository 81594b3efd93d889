"""The alert channels, and the ones the settings turn on.

``open_channels`` reads the ``[alerts]`` table of the settings. A channel exists only if its
table (the channel's ``settings``) is there, so an installation without e-mail never tries to
reach a mail server. sceau's own channels (entry points of ``sceau.alert_channels``):

    ====================  ==================  =========================================
    settings table        channel             recipients in the escalation policy
    ====================  ==================  =========================================
    ``[alerts.email]``    ``email``           ``email:oncall@lab.example``
    ``[alerts.webhooks]`` ``webhook``         ``webhook:<name>`` (``[alerts.webhooks.<name>]``)
    ``[alerts.syslog]``   ``syslog``          ``syslog:<name>`` (``[alerts.syslog.<name>]``)
    ====================  ==================  =========================================

Other keys of ``[alerts]`` (rules, tiers) are not channels and are left alone here.
"""

from __future__ import annotations

from collections.abc import Mapping

from sceau.alerts.channels.base import CHANNELS, Channel, ChannelError, Notification

__all__ = [
    "CHANNELS",
    "Channel",
    "ChannelError",
    "Notification",
    "open_channels",
]


def open_channels(config: Mapping[str, object], env: Mapping[str, str]) -> dict[str, Channel]:
    """The channels ``config`` (the ``[alerts]`` table) turns on, by channel name."""
    channels: dict[str, Channel] = {}
    for name, cls in CHANNELS.items():
        key = cls.settings
        table = config.get(key)
        if table is None:
            continue
        if not isinstance(table, Mapping):
            raise ChannelError(
                f"alerts.{key} is not a table",
                hint=f"write it as [alerts.{key}] in the settings",
                where=f"[alerts.{key}]",
            )
        channels[name] = cls.from_config(table, env)
    return channels
