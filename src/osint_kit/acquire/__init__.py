"""Acquisition jobs: files handed over, web pages, social posts, video.
"""
