"""kupang test suite (a package, so tests/queue never shadows the standard library queue module)."""
