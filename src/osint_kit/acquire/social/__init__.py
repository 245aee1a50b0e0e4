"""Collection of public posts from social platforms (Telegram, Mastodon, Bluesky)."""
