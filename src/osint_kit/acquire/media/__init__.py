"""Videos collected with yt-dlp: yt-dlp driven read-only (ytdlp.py) and the acquisition
kept and recorded (collect.py)."""
