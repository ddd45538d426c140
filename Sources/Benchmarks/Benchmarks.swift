// Benchmarks: the measurements behind BENCHMARKS.md (`mmolre bench`).
