import Foundation
import Numerics
import Training

/// Seconds per training epoch of a config (default the `cpu` preset on the synthetic benchmark), with
/// the data prepared beforehand and nothing logged, and the epoch's achieved GFLOP/s in its GEMMs.
public struct EpochBenchmark {
  public var config: RunConfig
  public var epochs: Int

  public init(config: RunConfig, epochs: Int) {
    self.config = config
    self.epochs = epochs
  }

  public struct Report: Sendable {
    public var threads: Int
    /// Seconds of each epoch, in order.
    public var seconds: [Double]
    public var flopsPerEpoch: Int
    public var bestSeconds: Double { seconds.min() ?? .nan }
    public var gflops: Double { Double(flopsPerEpoch) / bestSeconds / 1e9 }
  }

  /// Trains `epochs` epochs with `threads` BLAS threads.
  public func run(threads: Int) throws -> Report {
    let data = try DataPreparation.prepare(config)
    let trainer = try Trainer(config: config, data: data, seed: config.train.seeds.first ?? 1111)
    BLASLibrary.setThreads(threads)
    var seconds: [Double] = []
    var flops = 0
    for _ in 0..<epochs {
      FlopCounter.start()
      seconds.append(try Timing.seconds { _ = try trainer.trainEpoch() })
      flops = FlopCounter.stop()
    }
    return Report(threads: threads, seconds: seconds, flopsPerEpoch: flops)
  }
}
