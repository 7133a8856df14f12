"""Reproducible benchmark: the gateway against a hand-written REST fan-out (the floor).

``python -m bench`` (or ``make bench``) starts every registered simulator in one child
process and the gateway in another, then measures each scenario through both. See
``README.md`` ("Performance") for how to read the results.
"""
