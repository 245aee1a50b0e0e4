"""A case's life after collection: closing, legal holds, retention, disposition.
"""
