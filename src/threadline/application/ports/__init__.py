"""The ports the use cases need, by side: ``write``, ``projection``, ``query`` and ``cross_cutting``.
Adapters implement them; handlers never import SQL or HTTP."""
