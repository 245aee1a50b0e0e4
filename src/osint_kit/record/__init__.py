"""The case's record: custody events and their chain, the log, the blob store,
exhibits, signatures, keys and the trust store, the head ledger, RFC 3161 stamps.
"""
