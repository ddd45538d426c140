import Foundation

/// An error reading or writing a safetensors file; the message names the file and the tensor.
public struct SafetensorsError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public var description: String { message }
  public init(_ message: String) { self.message = message }
}

/// Element types this reader understands (the golden files use F64, F32, I64 and U8).
public enum SafetensorsDType: String, Sendable {
  case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16", i64 = "I64", i32 = "I32", u8 = "U8", bool = "BOOL"

  public var byteSize: Int {
    switch self {
    case .f64, .i64: return 8
    case .f32, .i32: return 4
    case .f16, .bf16: return 2
    case .u8, .bool: return 1
    }
  }
}

/// One tensor of a safetensors file: dtype, shape and its little-endian bytes.
public struct SafetensorsTensor: Sendable {
  public let dtype: SafetensorsDType
  public let shape: [Int]
  public let bytes: [UInt8]

  public var count: Int { shape.reduce(1, *) }

  public init(dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
    self.dtype = dtype
    self.shape = shape
    self.bytes = bytes
  }

  /// A float tensor from values, stored as F32 or F64.
  public init<T: BinaryFloatingPoint>(shape: [Int], values: UnsafeBufferPointer<T>, dtype: SafetensorsDType) {
    precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
    self.dtype = dtype
    self.shape = shape
    switch dtype {
    case .f32:
      var out = [UInt8](repeating: 0, count: values.count * 4)
      out.withUnsafeMutableBytes { raw in
        for (i, v) in values.enumerated() {
          raw.storeBytes(of: Float(v).bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
        }
      }
      bytes = out
    case .f64:
      var out = [UInt8](repeating: 0, count: values.count * 8)
      out.withUnsafeMutableBytes { raw in
        for (i, v) in values.enumerated() {
          raw.storeBytes(of: Double(v).bitPattern.littleEndian, toByteOffset: 8 * i, as: UInt64.self)
        }
      }
      bytes = out
    default:
      preconditionFailure("float tensors are stored as F32 or F64, not \(dtype.rawValue)")
    }
  }

  /// A float tensor from an array.
  public init<T: BinaryFloatingPoint>(shape: [Int], values: [T], dtype: SafetensorsDType = .f32) {
    self = values.withUnsafeBufferPointer { SafetensorsTensor(shape: shape, values: $0, dtype: dtype) }
  }

  /// An I64 tensor.
  public init(shape: [Int], int64 values: [Int64]) {
    precondition(shape.reduce(1, *) == values.count)
    dtype = .i64
    self.shape = shape
    var out = [UInt8](repeating: 0, count: values.count * 8)
    out.withUnsafeMutableBytes { raw in
      for (i, v) in values.enumerated() { raw.storeBytes(of: v.littleEndian, toByteOffset: 8 * i, as: Int64.self) }
    }
    bytes = out
  }

  /// Values converted to `T` from any float or integer dtype.
  public func values<T: BinaryFloatingPoint>(as _: T.Type = T.self) -> [T] {
    bytes.withUnsafeBytes { raw -> [T] in
      (0..<count).map { i -> T in
        switch dtype {
        case .f64:
          return T(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
        case .f32:
          return T(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
        case .f16:
          return T(
            Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))))
        case .bf16:
          let bits = UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16
          return T(Float(bitPattern: bits))
        case .i64: return T(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
        case .i32: return T(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
        case .u8, .bool: return T(raw[i])
        }
      }
    }
  }

  /// Integer values (I64, I32, U8, BOOL).
  public func integers() -> [Int] {
    bytes.withUnsafeBytes { raw -> [Int] in
      (0..<count).map { i -> Int in
        switch dtype {
        case .i64: return Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
        case .i32: return Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
        case .u8, .bool: return Int(raw[i])
        default: return Int(values(as: Double.self)[i])
        }
      }
    }
  }
}

/// A safetensors file (Hugging Face's format: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw data) read into memory or built to
/// be written.
///
/// Reading checks every header field and byte range, so a truncated or corrupted file is one error
/// naming the file and the tensor; writing is atomic (a temporary file renamed into place).
public struct SafetensorsFile: Sendable {
  /// Tensors by name.
  public var tensors: [String: SafetensorsTensor]
  /// The free-form `__metadata__` string map (configs, model cards).
  public var metadata: [String: String]

  public init(tensors: [String: SafetensorsTensor] = [:], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// Reads and checks a file.
  public init(contentsOf path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SafetensorsError("\(path): cannot read the file")
    }
    try self.init(bytes: [UInt8](data), origin: path)
  }

  /// Parses safetensors bytes; `origin` names them in errors.
  public init(bytes: [UInt8], origin: String) throws {
    guard bytes.count >= 8 else {
      throw SafetensorsError("\(origin): \(bytes.count) bytes, too short for a safetensors header")
    }
    let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard headerLength <= UInt64(bytes.count - 8), headerLength < 100_000_000 else {
      throw SafetensorsError(
        "\(origin): header length \(headerLength) exceeds the file (\(bytes.count) bytes); truncated?")
    }
    let headerEnd = 8 + Int(headerLength)
    let header: JSONValue
    do {
      header = try JSONValue(parsing: Array(bytes[8..<headerEnd]))
    } catch {
      throw SafetensorsError("\(origin): the header is not valid JSON (\(error))")
    }
    guard let pairs = header.objectPairs else { throw SafetensorsError("\(origin): the header is not a JSON object") }
    let dataCount = bytes.count - headerEnd
    var tensors: [String: SafetensorsTensor] = [:]
    var metadata: [String: String] = [:]
    for (name, entry) in pairs {
      if name == "__metadata__" {
        guard let fields = entry.objectPairs else { throw SafetensorsError("\(origin): __metadata__ is not an object") }
        for (key, value) in fields {
          guard let text = value.stringValue else {
            throw SafetensorsError("\(origin): __metadata__.\(key) is not a string")
          }
          metadata[key] = text
        }
        continue
      }
      guard let dtypeName = entry["dtype"]?.stringValue else {
        throw SafetensorsError("\(origin): tensor \(name): no dtype")
      }
      guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
        throw SafetensorsError("\(origin): tensor \(name): unsupported dtype \(dtypeName)")
      }
      guard let shapeValues = entry["shape"]?.arrayValue else {
        throw SafetensorsError("\(origin): tensor \(name): no shape")
      }
      let shape = try shapeValues.map { value -> Int in
        guard let n = value.intValue, n >= 0 else {
          throw SafetensorsError("\(origin): tensor \(name): bad shape \(entry["shape"]!.compact)")
        }
        return n
      }
      guard let offsets = entry["data_offsets"]?.arrayValue, offsets.count == 2,
        let begin = offsets[0].intValue, let end = offsets[1].intValue, 0 <= begin, begin <= end
      else { throw SafetensorsError("\(origin): tensor \(name): bad data_offsets") }
      guard end <= dataCount else {
        throw SafetensorsError(
          "\(origin): tensor \(name): bytes \(begin)..<\(end) lie past the end of the data (\(dataCount) bytes); truncated?"
        )
      }
      let expected = shape.reduce(1, *) * dtype.byteSize
      guard end - begin == expected else {
        throw SafetensorsError(
          "\(origin): tensor \(name): \(end - begin) bytes for shape \(shape) of \(dtypeName) (expected \(expected))")
      }
      tensors[name] = SafetensorsTensor(
        dtype: dtype, shape: shape, bytes: Array(bytes[(headerEnd + begin)..<(headerEnd + end)]))
    }
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The tensor named `name`, or an error naming the file and the tensor.
  public func tensor(_ name: String, origin: String = "safetensors") throws -> SafetensorsTensor {
    guard let tensor = tensors[name] else { throw SafetensorsError("\(origin): no tensor named \(name)") }
    return tensor
  }

  /// The file's bytes, tensors in name order (so the same content gives the same bytes and hash).
  public func serialized() -> [UInt8] {
    var header: [(String, JSONValue)] = []
    if !metadata.isEmpty {
      header.append(
        ("__metadata__", .object(metadata.sorted(by: { $0.key < $1.key }).map { ($0.key, .string($0.value)) })))
    }
    var offset = 0
    let names = tensors.keys.sorted()
    for name in names {
      let tensor = tensors[name]!
      header.append(
        (
          name,
          .object([
            ("dtype", .string(tensor.dtype.rawValue)),
            ("shape", .array(tensor.shape.map { .int($0) })),
            ("data_offsets", .array([.int(offset), .int(offset + tensor.bytes.count)])),
          ])
        ))
      offset += tensor.bytes.count
    }
    var headerBytes = Array(JSONValue.object(header).compact.utf8)
    // Pad the header with spaces to an 8-byte boundary, as the reference writer does, so the data is aligned.
    while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
    var out = [UInt8]()
    out.reserveCapacity(8 + headerBytes.count + offset)
    withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(contentsOf: headerBytes)
    for name in names { out.append(contentsOf: tensors[name]!.bytes) }
    return out
  }

  /// Writes the file atomically: a temporary file beside it, then a rename.
  public func write(to path: String) throws {
    try AtomicFile.write(serialized(), to: path)
  }
}
