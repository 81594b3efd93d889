"""The ``sceau`` command: one module per command group, each a thin layer over a room.

Every command fails the same way: a :class:`SceauError` is printed as one plain line on stderr
and the exit status is 2. Anything else is a bug, reported without its message (which could
hold a value from the data) and with a request to file it.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from sceau._version import __version__
from sceau.display import printable
from sceau.errors import SceauError

# name -> module under sceau.cli holding a click command of the same name
COMMANDS = {
    "scan": "scan",
    "synth": "synth",
    "demo": "demo",
    "mandate": "mandate",
    "keys": "keys",
    "users": "users",
    "login": "login",
    "logout": "login",
    "whoami": "login",
    "mfa": "mfa",
    "sessions": "sessions",
    "passwd": "passwd",
    "migrate": "migrate",
    "certificate": "migrate",
    "retention": "retention",
    "runs": "runs",
    "audit": "audit",
    "alerts": "alerts",
    "metrics": "metrics",
    "plugins": "plugins",
    "serve": "serve",
    "labs": "labs",
    "tokens": "tokens",
    "trace": "trace",
    "sweep": "sweep",
    "incident": "incident",
}


class _Group(click.Group):
    """Loads each command's module only when it is used, so ``sceau --help`` stays instant."""

    def list_commands(self, ctx: click.Context) -> list[str]:  # noqa: ARG002  (click's signature)
        return sorted(COMMANDS)

    def get_command(  # click's signature: the context is not needed to find a command
        self,
        ctx: click.Context,  # noqa: ARG002
        cmd_name: str,
    ) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"sceau.cli.{COMMANDS[cmd_name]}")
        command = getattr(module, cmd_name)
        if not isinstance(command, click.Command):
            raise TypeError(f"sceau.cli.{COMMANDS[cmd_name]}.{cmd_name} is not a command")
        return command

    def invoke(self, ctx: click.Context) -> object:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last words
            return result
        except BrokenPipeError:
            _quiet_stdout()
            sys.exit(_BROKEN_PIPE)
        except SceauError as error:
            click.secho(f"error: {printable(str(error), limit=2000)}", fg="red", err=True)
            sys.exit(2)
        except click.exceptions.Abort:  # Ctrl-D or Ctrl-C at a prompt
            click.echo("cancelled; nothing was changed", err=True)
            sys.exit(130)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was left half-written", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        # The last resort, so it must be broad: a bug's message could hold a value, not shown.
        except Exception as error:  # noqa: BLE001
            click.secho(
                f"internal error ({type(error).__name__}): sceau stopped; nothing was left "
                "half-written. Please report it, with the command you ran (not your data).",
                fg="red",
                err=True,
            )
            sys.exit(2)


_BROKEN_PIPE = 141  # what a shell reports for a command stopped by SIGPIPE (128 + 13)


def _quiet_stdout() -> None:
    """The reader of our output went away (``sceau scan … | head``): that is not an error, and
    nothing more can be written; point stdout at /dev/null so the exit flushes nothing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sceau")
@click.option(
    "--server",
    metavar="URL",
    help="Work through this sceau service (`sceau serve`) instead of the local store: "
    "login, logout, tokens, runs list and show, audit checkpoint and prove-consistency "
    "[env: SCEAU_SERVER].",
)
def main(server: str | None) -> None:
    """sceau keeps medical-lab patient data from leaking, and answers the day it does."""
    del server  # read by each command's context (sceau.cli._context)
