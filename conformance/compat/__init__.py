"""Client-compatibility flows: run the correct client and models of known clients through the
refresh flows against a backend, each under time limits, and give each run a verdict.
"""
