"""Real peer backends built on JWT libraries, and the helpers that run the suite against them."""
