// Weights are content-addressed and checked on every read: a byte flipped on disk (found by its
// pattern in the closed store file) gives an error naming the run, not wrong weights.
import Data
import Foundation
import Testing
import Tracker

@Suite struct BlobIntegrityTests {
  @Test func flippedByteInAWeightBlobIsDetectedAndNamesTheRun() throws {
    let folder = TemporaryFolder()
    defer { folder.cleanup() }
    let path = folder.file("s.sqlite")
    // A recognisable 20,000-byte pattern, so the test can find the blob's bytes in the file.
    let marker = Array("mmolre-weights-marker-".utf8)
    let weights = (0..<20_000).map { marker[$0 % marker.count] }
    let run: RunID
    do {
      let store = try Store.open(path: path)
      run = try store.createRun(name: "victim", seed: 7, config: sampleConfig(), cellKey: "k")
      try store.putCheckpoint(run, kind: .best, epoch: 3, weights: weights, trainingState: [1, 2, 3])
      #expect(try store.checkpoint(run, kind: .best)?.weights == weights)
    }  // closing the last connection checkpoints the WAL into the file

    var bytes = try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: path)))
    let target = try #require(Self.find(marker + marker, in: bytes))
    bytes[target + 5] ^= 0x01
    try Foundation.Data(bytes).write(to: URL(fileURLWithPath: path))

    let store = try Store.open(path: path)
    let error = #expect(throws: TrackerError.self) { try store.checkpoint(run, kind: .best) }
    #expect(error?.kind == .data)
    #expect(error?.message.contains("run \(run.short) (victim), best checkpoint (epoch 3) weights") == true)
    #expect(error?.message.contains("is damaged") == true)
  }

  static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
      if Array(haystack[start..<(start + needle.count)]) == needle { return start }
    }
    return nil
  }
}
