"""Election night: declare an election, sign in, enter returns, publish live, certify.

An application layer beside :mod:`tallyroom.service`, which it writes through, so that every
accepted change is a new stored version of the election and the website, exports and command
line show the same figures:

- :mod:`tallyroom.night.accounts`: accounts, roles, sessions;
- :mod:`tallyroom.night.declare`: an election as declared (TOML, units from CSV);
- :mod:`tallyroom.night.returns`: returns entered per unit, or uploaded as CSV, audited;
- :mod:`tallyroom.night.status`: progress, certification and corrections.
"""
