"""The scheduler and its jobs: exactly one run of each per night, watched and logged."""
