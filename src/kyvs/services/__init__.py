"""Use cases: what operators, providers and citizens can do, written against the ports."""
