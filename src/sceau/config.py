"""Settings: a TOML file, with a ``SCEAU_*`` environment twin for every option.

Precedence, highest first: the environment (``SCEAU_STORE_URL``), the TOML file (``store_url``),
the default. The file is ``$SCEAU_HOME/config.toml`` unless ``SCEAU_CONFIG`` names another.
Secrets (the keyring passphrase, the OpenBao token, the PKCS#11 PIN) are read from the
environment only, never from a file that could be copied around with the configuration.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from sceau.errors import SceauError


class ConfigError(SceauError):
    """The configuration file or an environment setting is invalid."""


def _default_home() -> Path:
    return Path.home() / ".sceau"


@dataclass(frozen=True)
class Settings:
    """Every option sceau reads. Build with :func:`load_settings`, not directly."""

    home: Path = field(default_factory=_default_home)
    store_url: str = ""  # empty: SQLite at home/state.db
    key_provider: str = "local"  # local, openbao, pkcs11 or a plug-in's (sceau plugins)
    keyring: Path | None = None  # local provider's file; empty: home/keyring.sealed
    staging: Path | None = None  # where encrypted staging folders go; empty: home/staging
    session_minutes: int = 0  # only shortens one's own sessions; 0: as the admin's policy says
    require_mfa: bool = False  # refuse a login without a second factor (the service always does)
    mfa_key: Path | None = None  # seals TOTP secrets, keys recovery codes; empty: home/mfa.key
    webauthn_rp_id: str = "localhost"  # the service's domain, as browsers check it
    webauthn_origin: str = ""  # the web console's origin; empty: https:// and the rp id
    batch_rows: int = 65_536  # rows per migration batch
    openbao_addr: str = "http://127.0.0.1:8200"
    openbao_mount: str = "transit"
    pkcs11_library: str = "/usr/lib/softhsm/libsofthsm2.so"
    pkcs11_token: str = "sceau"  # noqa: S105  (the token's label, not a secret)
    installation: str = "sceau"  # this installation's name, in alerts
    audit_origin: str = ""  # the checkpoints' origin; empty: made from the audit key, unique
    audit_key: Path | None = None  # the audit signing key; empty: home/audit.key
    audit_checkpoint_every: int = 1000  # sign a checkpoint every this many entries…
    audit_checkpoint_minutes: int = 60  # …or when the last one is older than this
    audit_export: str = ""  # where checkpoints go as signed: a file, udp:// or tcp:// syslog;
    # empty: home/checkpoints.jsonl; "off": nowhere but the store
    alerts: Mapping[str, object] = field(default_factory=dict)  # the [alerts] table, file only
    lang: str = ""  # reports' language: en | fr; empty: from the locale (LC_ALL, LANG)
    supervise_seconds: int = 60  # `sceau serve`: seconds between supervision rounds
    sweep: tuple[str, ...] = ()  # `sceau serve`: folders and ftp:// addresses swept on its own
    sweep_hours: int = 24  # hours between the service's sweeps
    sweep_max_mb: int = 512  # a file larger than this is listed by a sweep, not read
    trusted_proxy: str = (
        ""  # `sceau serve --behind-proxy`: the proxy's address, X-Forwarded-* from it only
    )
    incident_notice_hours: int = 24  # the processor's notice to each lab (docs/incidents.md)
    incident_ars_hours: int = 24  # the lab's report to the health authorities ("sans délai")
    server: str = ""  # the CLI as a client: the service's URL (https://...); empty: work locally
    server_ca: Path | None = None  # the CA file the client checks the service's certificate with
    # secrets: environment only
    keyring_passphrase: str = field(default="", repr=False)
    openbao_token: str = field(default="", repr=False)
    pkcs11_pin: str = field(default="", repr=False)
    ftp_password: str = field(default="", repr=False)  # for swept ftp:// addresses without one

    @property
    def store(self) -> str:
        return self.store_url or f"sqlite:///{self.home / 'state.db'}"

    @property
    def keyring_path(self) -> Path:
        return self.keyring or self.home / "keyring.sealed"

    @property
    def staging_root(self) -> Path:
        return self.staging or self.home / "staging"

    @property
    def audit_key_path(self) -> Path:
        return self.audit_key or self.home / "audit.key"

    @property
    def mfa_key_path(self) -> Path:
        return self.mfa_key or self.home / "mfa.key"

    @property
    def webauthn_origins(self) -> list[str]:
        return [self.webauthn_origin or f"https://{self.webauthn_rp_id}"]

    @property
    def audit_export_destination(self) -> str:
        """Where checkpoints are published: ``audit_export``, the file beside the state store
        when it is empty, nothing (empty) when it is ``off``."""
        if self.audit_export.strip().lower() == "off":
            return ""
        return self.audit_export or str((self.home / "checkpoints.jsonl").absolute())

    @property
    def session_file(self) -> Path:
        return self.home / "session"

    @property
    def server_token_file(self) -> Path:
        """The API token the CLI client sends to ``server`` (mode 0600, like the session)."""
        return self.home / "server-token"


_SECRETS = {"keyring_passphrase", "openbao_token", "pkcs11_pin", "ftp_password"}
_FILE_ONLY = {"alerts"}  # structured tables: the TOML file holds them


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from the environment and the TOML file; ``overrides`` win over both."""
    env = os.environ if env is None else env
    home = Path(env.get("SCEAU_HOME") or _default_home()).expanduser()
    config_path = Path(env.get("SCEAU_CONFIG") or home / "config.toml").expanduser()
    from_file = _read_toml(config_path)
    values: dict[str, object] = {"home": home}
    for option in fields(Settings):
        if option.name == "home":
            continue
        env_name = f"SCEAU_{option.name.upper()}"
        if option.name in _FILE_ONLY:
            if option.name in from_file:
                values[option.name] = _table(option.name, from_file[option.name], config_path)
            continue
        if env_name in env:
            raw: object = env[env_name]
        elif option.name in from_file and option.name not in _SECRETS:
            raw = from_file[option.name]
        else:
            continue
        values[option.name] = _coerce(option.name, raw, where=env_name)
    unknown = set(from_file) - {option.name for option in fields(Settings)} - _SECRETS
    if unknown:
        raise ConfigError(
            f"unknown option {sorted(unknown)[0]!r}",
            hint="see docs/configuration.md for the options sceau reads",
            where=str(config_path),
        )
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def _read_toml(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"the configuration is not valid TOML ({error})",
            hint="fix the file or remove it to use the defaults",
            where=str(path),
        ) from None


def _table(name: str, raw: object, path: Path) -> Mapping[str, object]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{name} must be a table ([{name}])", where=str(path))
    return raw


def _coerce(name: str, raw: object, *, where: str) -> object:
    default = getattr(Settings(), name)
    if name in {"keyring", "staging", "audit_key", "mfa_key", "server_ca"}:
        return Path(str(raw)).expanduser() if raw else None
    if name == "sweep":
        return _locations(raw, where=where)
    if name == "lang" and str(raw) not in ("", "en", "fr"):
        raise ConfigError(
            "lang must be en or fr", hint="or leave it empty for the locale's", where=where
        )
    if isinstance(default, bool):
        return _flag(name, raw, where=where)
    if isinstance(default, int):
        try:
            number = int(str(raw))
        except ValueError:
            raise ConfigError(f"{name} must be a whole number", where=where) from None
        if number <= 0:
            raise ConfigError(f"{name} must be positive", where=where)
        return number
    return str(raw)


def _locations(raw: object, *, where: str) -> tuple[str, ...]:
    """A list of locations: a TOML list, or the environment's text, one location a line."""
    if isinstance(raw, str):
        found = tuple(line.strip() for line in raw.splitlines() if line.strip())
    elif isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        found = tuple(raw)
    else:
        raise ConfigError("sweep must be a list of folders and ftp:// addresses", where=where)
    if any(urlsplit(location).password for location in found if "://" in location):
        raise ConfigError(
            "an address in sweep holds a password",
            hint="remove it from the address and set SCEAU_FTP_PASSWORD instead",
            where=where,
        )
    return found


def _flag(name: str, raw: object, *, where: str) -> bool:
    """A yes/no option: TOML's true/false, or true/false/yes/no/1/0 in the environment."""
    text = str(raw).strip().lower()
    if text in {"true", "yes", "1", "on"}:
        return True
    if text in {"false", "no", "0", "off", ""}:
        return False
    raise ConfigError(f"{name} must be true or false", where=where)
