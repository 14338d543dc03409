"""Benchmark data: the bulk seeder (``python -m benchmarks.seeding``) and what the load suite seeds."""
