"""Problems (问题清单): blockages behind projects, assigned to units with a time limit,
answered (办复), checked and closed (销号), escalated while late.

- :mod:`engine.problems.machine`: the state machine (one static Machine, as milestones');
- :mod:`engine.problems.settings`: the ``problems:`` section of config.yaml;
- :mod:`engine.problems.actions`: what people do (add, reply, extend, close, …);
- :mod:`engine.problems.queries`: list, show, rates by unit and period;
- :mod:`engine.problems.night`: the nightly run's stage that moves problems.

The decisions themselves (deadlines in working days, extension timing, the ladder,
the rates' arithmetic) are pure functions in :mod:`rules.problems`.
Kept import-free: engine.config imports the settings module.
"""
