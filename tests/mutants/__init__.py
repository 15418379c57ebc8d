"""Variants of the reference backend, each with one real-world fault that the suite must catch.

`tests.mutants.catalogue.MUTANTS` lists them as data: name, one-sentence fault, app factory,
profile and the check ids that must fail (or warn, for a SHOULD check). Each factory loads with
`--app tests.mutants.<module>:<factory>()` from the repository root.
"""
