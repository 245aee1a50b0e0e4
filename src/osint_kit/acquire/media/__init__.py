"""Crime footage: technical metadata of videos and pictures (probe.py) and review aids
(review.py), pure functions on files; the case records their results."""
