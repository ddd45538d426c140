// MiniLM throughput as `mmolre features extract` runs it (the reference's cff5b35
// benchmarks/bench_features.py, text part): the transcripts of a label table (MOSI's 2199, empty ones
// filled from a second table as the presets do), tokenised and truncated to 64 tokens, encoded in
// chunks of 256 clips and batches of 32 sorted by length, model loading excluded, after a warm-up
// batch. Beside each thread count: the GFLOP/s of the encoder's GEMMs (their FLOPs over the wall time
// of the whole encoding, so attention, GELU and LayerNorm count as time), the same FLOPs over the time
// spent inside the GEMMs (summed over the workers, divided by their number), and the sgemm peak
// measured in the same run.
import Data
import Foundation
import Numerics
import Training

public struct EncoderBenchmark {
  public var tablePath: String
  public var textFromPath: String?
  public var encoder = "minilm"
  public var maxLength = 64
  public var batchSize = 32
  public var chunkSize = 256
  /// Timed passes per thread count; the best is reported.
  public var repeats = 2

  public init(tablePath: String, textFromPath: String?) {
    self.tablePath = tablePath
    self.textFromPath = textFromPath
  }

  public struct Measurement: Sendable {
    public var threads: Int
    public var clips: Int
    public var tokens: Int
    /// Best wall seconds of one pass over all clips, and every pass's.
    public var seconds: Double
    public var allSeconds: [Double]
    /// CPU seconds (user + system) the process used in the best pass: on a machine shared with other
    /// jobs, `clips / cpuSeconds * threads` estimates the rate with the cores to itself.
    public var cpuSeconds: Double
    /// GEMM FLOPs of the best pass, and the seconds spent in GEMMs then, summed over the workers.
    public var flops: Int
    public var gemmSeconds: Double
    /// 1024^3 sgemm with `threads` threads, GFLOP/s.
    public var sgemmPeak: Double

    public var clipsPerSecond: Double { Double(clips) / seconds }
    /// Clips per CPU second times the threads: the rate were every thread on a core of its own.
    public var clipsPerCPUSecond: Double { Double(clips) / cpuSeconds * Double(threads) }
    public var gflops: Double { Double(flops) / seconds / 1e9 }
    public var shareOfPeak: Double { gflops / sgemmPeak }
    /// Share of the workers' time spent inside GEMMs.
    public var gemmTimeShare: Double { gemmSeconds / (Double(threads) * seconds) }
    /// GFLOP/s inside the GEMMs: the workers run theirs side by side, so their summed time is divided
    /// by their number.
    public var gemmOnlyGflops: Double { Double(flops) / (gemmSeconds / Double(threads)) / 1e9 }
  }

  /// One measurement per thread count (the encoder runs that many workers, each on single-threaded BLAS).
  /// - Throws: `DataError` for a bad table, `EncoderError` when MiniLM is not fetched.
  public func run(threadCounts: [Int], log: (String) -> Void = { _ in }) throws -> [Measurement] {
    let texts = try FeatureExtraction(tablePath: tablePath, textFromPath: textFromPath, folder: "").transcripts()
    let ordered = texts.table.rows.map { texts.texts[$0.id]! }
    let frozen = try FrozenTextEncoder(name: encoder)
    var out: [Measurement] = []
    for threads in threadCounts {
      let peak = SgemmPeak.measure(threads: threads)
      BLASLibrary.setThreads(threads)
      _ = pass(Array(ordered.prefix(batchSize)), frozen, threads: threads)  // warm-up: first-call allocations
      var best: Measurement?
      var seconds: [Double] = []
      for _ in 0..<max(1, repeats) {
        FlopCounter.start()
        let cpuStart = Self.cpuSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        let tokens = pass(ordered, frozen, threads: threads)
        seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        let cpu = Self.cpuSeconds() - cpuStart
        let flops = FlopCounter.stop()
        log(String(format: "%d thread(s): %.2f s", threads, seconds.last!))
        if seconds.last! <= (best?.seconds ?? .infinity) {
          best = Measurement(
            threads: threads, clips: ordered.count, tokens: tokens, seconds: seconds.last!, allSeconds: [],
            cpuSeconds: cpu, flops: flops, gemmSeconds: FlopCounter.gemmSeconds, sgemmPeak: peak)
        }
      }
      best!.allSeconds = seconds
      out.append(best!)
    }
    return out
  }

  /// User and system CPU seconds of this process so far.
  static func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
  }

  /// Tokenises and encodes `texts` in chunks as the extraction does; returns the tokens encoded.
  private func pass(_ texts: [String], _ frozen: FrozenTextEncoder, threads: Int) -> Int {
    var tokens = 0
    for start in stride(from: 0, to: texts.count, by: chunkSize) {
      let ids = frozen.tokens(Array(texts[start..<min(start + chunkSize, texts.count)]), maxLength: maxLength)
      tokens += ids.reduce(0) { $0 + $1.count }
      _ = frozen.encoder.encode(tokenIds: ids, batchSize: batchSize, threads: threads)
    }
    return tokens
  }
}
