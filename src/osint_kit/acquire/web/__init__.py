"""Forensic capture of web pages in a real browser (Playwright driving Chromium)."""
