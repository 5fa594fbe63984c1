"""External links: ``digest links check`` and ``archive`` record their state in ``links.json``
(``ledger.py``); a build only reads that file (``shown.py``) and never goes on the network.

``fetch.py`` is the one way out to the network: http(s) only, private addresses refused at
every hop, answers read up to a limit. ``gather.py`` lists what the site links to, ``check.py``
and ``archive.py`` fill the ledger, ``command.py`` is the command line.
"""
