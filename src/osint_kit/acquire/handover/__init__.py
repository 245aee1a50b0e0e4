"""Files handed over (witness footage, tips, a camera roll): one acquisition each.
"""
