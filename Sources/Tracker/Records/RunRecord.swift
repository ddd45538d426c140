// RunRecord: one row of the runs table, as the CLI and the trainer see it.
import Data
import Foundation

/// A run: what was trained (config, seed), where and by what, how it ended.
public struct RunRecord: Sendable {
  public let id: RunID
  public let name: String
  public let experiment: String
  public let status: RunStatus
  public let seed: Int
  /// The sha256 of the canonical config JSON (`Store.config(_:)` reads the config).
  public let configSHA256: String
  /// The sha256 of the grid cell key given to `createRun`.
  public let cellSHA256: String
  public let startedAt: Date
  public let finishedAt: Date?
  public let heartbeatAt: Date
  public let host: String
  public let pid: Int
  public let environment: RunEnvironment
  /// The run this one resumed (it copied that run's epochs and checkpoints).
  public let resumes: RunID?
  public let error: String?
  public let note: String?
  public let bestEpoch: Int?
  public let trainSeconds: Double?
  public let parameterCount: Int?
  public let tags: [String]
  /// Epoch rows logged.
  public let epochCount: Int
}
