"""The DIY modular-network report (source document 003): each of its experiments, first in
the report's own code through ``retroprop.diy``, then with a better choice through
``retroprop.nn``."""
