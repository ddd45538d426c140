// PackedValues: the byte layouts of the epochs table's metric and routing columns.
//
// metrics: repeated (uint32 name id, float64 value), little-endian, 12 bytes per value.
// routing: repeated groups (uint32 task id, uint32 modality id, uint16 block, uint16 n, n x float64).
// Float64 bit patterns are kept exactly, NaN included. See migrations/0001_initial.sql for why the
// epoch metrics are packed rather than one row per value.

enum PackedValues {
  /// Packs `(name id, value)` pairs.
  static func packMetrics(_ pairs: [(Int64, Double)]) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(pairs.count * 12)
    for (id, value) in pairs {
      append(UInt32(truncatingIfNeeded: id), to: &out)
      append(value.bitPattern, to: &out)
    }
    return out
  }

  /// Unpacks `packMetrics`; `origin` names the row in the error for damaged bytes.
  static func unpackMetrics(_ bytes: [UInt8], origin: String) throws -> [(Int64, Double)] {
    guard bytes.count % 12 == 0 else {
      throw TrackerError(.data, "\(origin): packed metrics of \(bytes.count) bytes, not a multiple of 12")
    }
    var out: [(Int64, Double)] = []
    out.reserveCapacity(bytes.count / 12)
    var offset = 0
    while offset < bytes.count {
      let id = read(UInt32.self, bytes, offset)
      let bits = read(UInt64.self, bytes, offset + 4)
      out.append((Int64(id), Double(bitPattern: bits)))
      offset += 12
    }
    return out
  }

  /// One routing group: task and modality name ids, block, gates.
  struct RoutingGroup {
    let task: Int64
    let modality: Int64
    let block: Int
    let gates: [Double]
  }

  static func packRouting(_ groups: [RoutingGroup]) -> [UInt8] {
    var out = [UInt8]()
    for group in groups {
      append(UInt32(truncatingIfNeeded: group.task), to: &out)
      append(UInt32(truncatingIfNeeded: group.modality), to: &out)
      append(UInt16(truncatingIfNeeded: group.block), to: &out)
      append(UInt16(truncatingIfNeeded: group.gates.count), to: &out)
      for gate in group.gates { append(gate.bitPattern, to: &out) }
    }
    return out
  }

  static func unpackRouting(_ bytes: [UInt8], origin: String) throws -> [RoutingGroup] {
    var out: [RoutingGroup] = []
    var offset = 0
    while offset < bytes.count {
      guard offset + 12 <= bytes.count else {
        throw TrackerError(.data, "\(origin): packed routing truncated at byte \(offset)")
      }
      let task = Int64(read(UInt32.self, bytes, offset))
      let modality = Int64(read(UInt32.self, bytes, offset + 4))
      let block = Int(read(UInt16.self, bytes, offset + 8))
      let count = Int(read(UInt16.self, bytes, offset + 10))
      offset += 12
      guard offset + 8 * count <= bytes.count else {
        throw TrackerError(.data, "\(origin): packed routing truncated at byte \(offset)")
      }
      let gates = (0..<count).map { Double(bitPattern: read(UInt64.self, bytes, offset + 8 * $0)) }
      offset += 8 * count
      out.append(RoutingGroup(task: task, modality: modality, block: block, gates: gates))
    }
    return out
  }

  private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
  }

  private static func read<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ offset: Int) -> T {
    bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
  }
}
