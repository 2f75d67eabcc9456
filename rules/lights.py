"""The lights a milestone can show, and the verdict a rule evaluation returns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Light(StrEnum):
    """A milestone's state. Also its light: ``done_late`` counts red in statistics."""

    PLANNED = "planned"
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    DONE = "done"
    DONE_LATE = "done_late"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Still being worked on: the nightly run evaluates it."""
        return self in OPEN_LIGHTS

    @property
    def severity(self) -> int:
        """Higher is worse; used to pick the worst light and to sort 'worst first'."""
        return SEVERITY[self]


OPEN_LIGHTS = frozenset({Light.PLANNED, Light.GREEN, Light.YELLOW, Light.RED})
OPEN_STATES = tuple(sorted(light.value for light in OPEN_LIGHTS))  # as stored, for SQL
FINISHED_LIGHTS = frozenset({Light.DONE, Light.DONE_LATE})

# Worst first when sorted by descending severity. A late finish is a red mark in the
# statistics, but a node still open and red needs attention more urgently.
SEVERITY: dict[Light, int] = {
    Light.RED: 7,
    Light.YELLOW: 6,
    Light.DONE_LATE: 5,
    Light.GREEN: 4,
    Light.PLANNED: 3,
    Light.DONE: 2,
    Light.SUSPENDED: 1,
    Light.CANCELLED: 0,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule's conclusion: the light it asks for and the numbers that made it."""

    rule: str
    light: Light
    numbers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The light a milestone should show and every finding that fired."""

    light: Light
    findings: tuple[Finding, ...]

    @property
    def rule_ids(self) -> str:
        return ",".join(f.rule for f in self.findings)


def worst(lights: list[Light] | tuple[Light, ...]) -> Light | None:
    """The worst of some lights (None for none): the project light uses it too."""
    return max(lights, key=SEVERITY.__getitem__, default=None)


def project_light(states: Iterable[str]) -> Light | None:
    """A project's light from its milestones' states: the worst among the open ones,
    else the worst of all (None for a project without milestones). The board, the
    status commands and the escalation by a project's streak all read it so."""
    lights = [Light(s) for s in states]
    return worst([x for x in lights if x.is_open]) or worst(lights)
