"""The milestone state machine, the evaluation of milestones and the nightly run."""
