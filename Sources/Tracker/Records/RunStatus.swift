// RunStatus: the life cycle of a run in the store.

/// Where a run stands. `running` -> `finished` | `failed` | `killed`; a `killed` run (Ctrl-C, a dead
/// process, a stale heartbeat) keeps its latest checkpoint and can be resumed by a new run.
public enum RunStatus: String, Sendable, CaseIterable, Codable {
  case running
  case finished
  case failed
  case killed
}
