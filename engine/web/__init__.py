"""``lights serve``: the supervision board on the web, and replies by link.

A thin layer: every page reads through the engine's own queries (engine.queries,
engine.board, the bulletins' rankings) and every form calls the same function as the
command line (engine.actions, notifications.actions), so a node is lit again at once
and the move is audited with the person who made it. Importing this package imports
nothing heavy: the application is in :mod:`engine.web.app`.
"""
