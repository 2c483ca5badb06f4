"""Reads of environment variables."""

from __future__ import annotations

from dataclasses import dataclass, field

from miniprograms.envvars.models import EnvironmentVariable
from miniprograms.models import MiniProgram


@dataclass(frozen=True)
class EnvironmentVariables:
    """One environment of a mini program and its variables (by key)."""

    environment: str
    label: str
    variables: list[EnvironmentVariable] = field(default_factory=list)

    def as_dict(self) -> dict[str, str]:
        return {v.key: v.value for v in self.variables}


def envvars_by_environment(*, miniprogram: MiniProgram) -> list[EnvironmentVariables]:
    """Every environment (development, test, sandbox, production: in that order), each with its
    variables by key. One query."""
    sections = {
        value: EnvironmentVariables(environment=value, label=str(label))
        for value, label in EnvironmentVariable.Environment.choices
    }
    for row in EnvironmentVariable.objects.filter(miniprogram=miniprogram).order_by("key"):
        sections[row.environment].variables.append(row)
    return list(sections.values())


def envvars_get(*, miniprogram: MiniProgram, environment: str) -> dict[str, str]:
    """The variables of one environment, by key."""
    rows = EnvironmentVariable.objects.filter(
        miniprogram=miniprogram, environment=environment
    ).order_by("key")
    return {row.key: row.value for row in rows}
