"""Lights engine: the data model, the milestone state machine, the runs and the CLI."""
