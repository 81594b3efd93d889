"""One registry for everything that grows: detectors, sources, targets, key providers, alert
channels and alert rules.

sceau's own implementations are not special: each is an entry point of sceau's distribution
(``[project.entry-points."sceau.detectors"]`` in its ``pyproject.toml``), found and imported the
way any installed plug-in's are, through :func:`importlib.metadata.entry_points`. Nothing is
imported until something is looked up, so ``sceau --help`` loads no plug-in and a base module
imports no implementation.

A plug-in that cannot be imported, or is not what its group expects, is set aside with a
:class:`PluginError` naming it and its distribution: the other implementations keep working,
and asking for the broken one by name gives that error. Two implementations of the same name
are refused outright: which of the two runs must never depend on install order (a plug-in
shadowing the ``local`` key provider would receive every run's keys). A kind without any of
sceau's own is refused too: sceau was not installed, and a scan without a detector finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Generic, TypeVar

from sceau.errors import SceauError

T = TypeVar("T")

HOME = "sceau"  # the distribution whose implementations are the built-ins
_ADDED = "(added by the program)"  # the distribution of what ``register`` added by hand


class PluginError(SceauError):
    """A plug-in is broken, clashes with another, or is not what its group expects."""


@dataclass(frozen=True)
class Plugin(Generic[T]):
    """One implementation and where it comes from."""

    name: str
    value: T
    distribution: str  # "sceau" for the built-ins
    module: str

    @property
    def built_in(self) -> bool:
        return self.distribution == HOME


class Registry(Mapping[str, T]):
    """The implementations of one entry-point group, by name, in a stable order.

    The order is ``order(value)`` first (sources use it so that the most specific file
    signatures are sniffed first), then sceau's own before the others, then distribution and
    name. ``name_of`` reads the name an implementation gives itself, which must be its entry
    point's name; ``check`` refuses an implementation that lacks what its kind needs.
    """

    def __init__(
        self,
        group: str,
        what: str,
        *,
        name_of: Callable[[T], str],
        check: Callable[[T], None] | None = None,
        order: Callable[[T], int] | None = None,
    ) -> None:
        self.group = group
        self.what = what  # "detector", "key provider": how messages call one
        self._name_of = name_of
        self._check = check
        self._order = order
        self._plugins: dict[str, Plugin[T]] | None = None
        self._broken: dict[str, PluginError] = {}

    def register(self, value: T, *, distribution: str = _ADDED, module: str = "") -> T:
        """Add ``value`` under its own name; a PluginError if the name is taken."""
        plugins = self._load()
        name = self._vetted(value, entry_name=None)
        module = module or getattr(value, "__module__", "")
        if name in plugins:
            other = plugins[name]
            raise PluginError(
                f"two {self.what}s are named {name!r}: one in {other.module} "
                f"({other.distribution}), one in {module} ({distribution})",
                hint="rename one of them",
                where=f"group {self.group}",
            )
        plugins[name] = Plugin(name, value, distribution, module)
        self._sort()
        return value

    def plugins(self) -> list[Plugin[T]]:
        """Every working implementation with its origin, in the registry's order."""
        return list(self._load().values())

    def broken(self) -> list[PluginError]:
        """Why each plug-in that could not be loaded was set aside."""
        self._load()
        return list(self._broken.values())

    def clear(self) -> None:
        """Forget what was loaded: the next lookup reads the installed entry points again."""
        self._plugins = None
        self._broken = {}

    def __getitem__(self, name: str) -> T:
        plugins = self._load()
        if name in plugins:
            return plugins[name].value
        if name in self._broken:
            raise self._broken[name]
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return name in self._load()

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._load()))

    def __len__(self) -> int:
        return len(self._load())

    def _load(self) -> dict[str, Plugin[T]]:
        if self._plugins is not None:
            return self._plugins
        found = list(entry_points(group=self.group))
        if not any(_distribution(entry) == HOME for entry in found):
            # sceau run from a source tree it was not installed from: no scan may quietly run
            # without a single detector
            raise PluginError(
                f"none of sceau's own {self.what}s is installed",
                hint="install sceau with pip (in a source tree: pip install -e .); its "
                "entry points name them",
                where=f"group {self.group}",
            )
        _refuse_twins(found, self.what)
        plugins: dict[str, Plugin[T]] = {}
        for entry in found:
            distribution = _distribution(entry)
            try:
                value = entry.load()
                self._vetted(value, entry_name=entry.name)
            except Exception as error:  # noqa: BLE001  (a plug-in's own bug, whatever it raises: set aside, never fatal for others)
                self._broken[entry.name] = self._set_aside(entry, distribution, error)
                continue
            plugins[entry.name] = Plugin(entry.name, value, distribution, entry.module)
        self._plugins = plugins
        return self._sort()

    def _vetted(self, value: T, entry_name: str | None) -> str:
        """The name ``value`` gives itself, once it has what its kind needs."""
        name = self._name_of(value)
        if entry_name is not None and entry_name != name:
            raise PluginError(
                f"its entry point is named {entry_name!r} but it calls itself {name!r}",
                hint="give the entry point the same name as the implementation",
            )
        if self._check is not None:
            self._check(value)
        return name

    def _set_aside(self, entry: EntryPoint, distribution: str, error: Exception) -> PluginError:
        # sceau's own words say what is wrong; another exception's text could say anything
        why = (
            error.message
            if isinstance(error, SceauError)
            else (f"{type(error).__name__} while importing {entry.value}")
        )
        return PluginError(
            f"the {self.what} plug-in {entry.name!r} of the distribution {distribution!r} could "
            f"not be loaded: {why}",
            hint=f"fix or uninstall {distribution}; sceau's own {self.what}s still work",
            where=f"entry point {entry.name} in group {self.group}",
        )

    def _sort(self) -> dict[str, Plugin[T]]:
        plugins = self._plugins or {}
        order = self._order or (lambda _value: 0)
        ranked = sorted(
            plugins.values(),
            key=lambda p: (order(p.value), not p.built_in, p.distribution, p.name),
        )
        self._plugins = {plugin.name: plugin for plugin in ranked}
        return self._plugins


def _refuse_twins(found: list[EntryPoint], what: str) -> None:
    """Two entry points of one name in one group: refused before either is imported."""
    seen: dict[str, EntryPoint] = {}
    for entry in found:
        if entry.name in seen:
            first = seen[entry.name]
            raise PluginError(
                f"two {what}s are named {entry.name!r}: {first.value} ({_distribution(first)}) "
                f"and {entry.value} ({_distribution(entry)})",
                hint="uninstall one of the two distributions, or rename one of them",
                where=f"group {entry.group}",
            )
        seen[entry.name] = entry


def _distribution(entry: EntryPoint) -> str:
    return entry.dist.name if entry.dist is not None else "an unknown distribution"
