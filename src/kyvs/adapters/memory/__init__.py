"""In-memory adapters: fast, dependency-free stand-ins for tests, demos and benchmarks."""

from kyvs.adapters.memory.registry import MemoryRegistry

__all__ = ["MemoryRegistry"]
