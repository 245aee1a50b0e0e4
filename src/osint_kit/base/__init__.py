"""What every layer stands on, knowing nothing of cases: dates, files written
atomically, HTML building blocks, exhibit labels, the tool versions on the record.
"""
