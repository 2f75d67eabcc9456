"""Colour rules and working-day calendars.

Pure functions: a rule takes a milestone's facts and the evaluation context and
returns a :class:`~rules.lights.Finding` (a light, the rule's name and the numbers
behind it) or ``None``. Nothing here touches the database or the CLI.
"""

from rules.lights import Finding, Light, Verdict, worst

__all__ = ["Finding", "Light", "Verdict", "worst"]
