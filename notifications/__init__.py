"""Escalation notices: who is told what, the templates, and delivery (see issue #3)."""
