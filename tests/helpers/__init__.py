"""What several tests share besides conftest's fixtures: the fake push service, the served
app, browser and WebKit harnesses, and small request and row helpers (the benchmarks use
some of them too)."""
