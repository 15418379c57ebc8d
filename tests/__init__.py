"""The suite's own tests, a package so that `--app tests.variants.<module>:app` imports."""
