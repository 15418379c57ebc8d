"""A loopback HTTP server that responds to the suite in broken and hostile ways, one behaviour per
server process. `python -m tests.hostile --behaviour NAME` starts it; `BEHAVIOURS` lists them.
"""
