"""What leaves the case, authorised and recorded: evidence bundles, the provenance report.
"""
