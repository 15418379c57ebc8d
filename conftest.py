"""Load the conformance plugin for runs from this checkout; installed copies use an entry point."""

pytest_plugins = ["conformance.plugin"]
