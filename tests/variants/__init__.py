"""Variants of the reference backend, each with one real-world fault the scenarios must catch.

Each module exports `app`, ready for `--app tests.variants.<module>:app`.
"""
