"""Analysis of what a case holds: tables, networks, timelines, search, pictures.
"""
