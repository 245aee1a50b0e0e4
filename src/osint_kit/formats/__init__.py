"""Standard formats and the outside programs that read or make them (WARC, WACZ,
ffprobe and exiftool, ffmpeg, Chromium and its PDF printing), knowing nothing of cases.
"""
