"""A case folder: read (``CaseFolder``), written the one way (``CaseWriter``),
and what every job shares to reach the record (acquisitions, checkpoints, residue).
"""
