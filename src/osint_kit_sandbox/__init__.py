"""The osint-kit sandbox: local stand-ins for the internet, for tests, the demo, the
notebooks and the benchmarks. Not part of the evidence package (``osint_kit``), and
never imported by it.

- :mod:`.platforms`: fake social platforms (t.me, Mastodon instances, a Bluesky AppView)
- :mod:`.tsa`: a local RFC 3161 time-stamping authority (openssl)
- :mod:`.site`: a small web site with ordinary and hostile pages
- :mod:`.testca`: a throw-away certificate authority, for HTTPS on 127.0.0.1
- :mod:`.demo`: ``make demo``, a whole first case built on all of the above

Every server listens on 127.0.0.1 only. This ``__init__`` imports nothing, so that
each module loads only what it uses.
"""
