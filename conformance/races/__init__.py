"""Concurrent traffic for the concurrency, client and logout checks: recording transports,
synchronised starts, and the request storms and races the checks run.
"""
