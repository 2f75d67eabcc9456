"""Bulletins (通报) and rankings: the rates, the rankings and their rendering (issue #6).

Kept free of imports: :mod:`engine.config` imports :mod:`engine.bulletins.config`.
"""
