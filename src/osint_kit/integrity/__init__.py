"""Checking and mending a case: verification of the record, repair after a crash.
"""
