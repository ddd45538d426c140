// Metrics: MSA and MER metrics with MMSA semantics, pure Swift.
