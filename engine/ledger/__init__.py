"""Ledgers (台账) in and out: Excel and CSV import, export with the lights, templates.

The stages, each a module with one entry point:

- :mod:`.read`: files → sheets of raw cells with their positions (xlsx, csv);
- :mod:`.headers`: which sheet is which, where its header row is, which column is which;
- :mod:`.values`: cell values as ledgers write them → dates, amounts, percents, codes;
- :mod:`.validate`: sheets → records and every problem found in the file;
- :mod:`.load`: records → the database, in one transaction, lit at once;
- :mod:`.export` and :mod:`.template`: the ledger written back out.

:mod:`.columns` is the one table of what a ledger carries; add a column there.
"""
