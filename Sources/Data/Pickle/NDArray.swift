// A numpy array as a pickle delivers it: a dtype, a shape, and either raw element bytes or (for
// object arrays) a list of values. numpy pickles an array's bytes in C order, or in Fortran order
// when the array is Fortran-contiguous and not C-contiguous (the `is_fortran` flag of the
// `_reconstruct` state, order "F" of protocol 5's `_frombuffer`); any other array (a strided view)
// is pickled as a C-order copy. Object arrays are pickled as a list in C order whatever their layout.
// Here the bytes are put in C order and little-endian once, when the array is built.
import Foundation

/// A numpy array read from a pickle; elements in C (row-major) order.
public struct NDArray: Sendable {
  public let dtype: NumpyDType
  public let shape: [Int]
  /// Element bytes, C order, little-endian (empty for an object array).
  public let raw: [UInt8]
  /// Elements of an object array, C order (empty otherwise).
  public let objects: [PickleValue]

  /// Elements (1 for a 0-dimensional array, a numpy scalar).
  public var count: Int { shape.reduce(1, *) }

  /// An array from raw bytes as the pickle holds them.
  /// - Throws: when the byte count does not match the shape.
  public init(dtype: NumpyDType, shape: [Int], bytes: [UInt8], fortranOrder: Bool) throws(PickleError) {
    guard dtype.kind != .object else { throw PickleError("an object array must be pickled as a list") }
    let count = try Self.checkedCount(shape)
    let (expected, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
    guard !overflow, expected == bytes.count else {
      throw PickleError(
        "array data holds \(bytes.count) bytes, but shape \(shape) of \(dtype.spec) needs \(overflow ? -1 : expected)")
    }
    var data = bytes
    if dtype.bigEndian { Self.swapBytes(&data, width: dtype.kind == .unicode ? 4 : dtype.itemSize) }
    if fortranOrder && shape.count > 1 { data = Self.fortranToC(data, shape: shape, itemSize: dtype.itemSize) }
    self.dtype = NumpyDType(kind: dtype.kind, itemSize: dtype.itemSize, bigEndian: false)
    self.shape = shape
    raw = data
    objects = []
  }

  /// An object array from its elements in C order.
  public init(shape: [Int], objects: [PickleValue]) throws(PickleError) {
    let count = try Self.checkedCount(shape)
    guard objects.count == count else {
      throw PickleError("object array of shape \(shape) holds \(objects.count) elements")
    }
    dtype = NumpyDType(kind: .object, itemSize: 8)
    self.shape = shape
    raw = []
    self.objects = objects
  }

  static func checkedCount(_ shape: [Int]) throws(PickleError) -> Int {
    var total = 1
    for n in shape {
      let (product, overflow) = total.multipliedReportingOverflow(by: n)
      guard n >= 0, !overflow, product <= 1 << 40 else { throw PickleError("implausible array shape \(shape)") }
      total = product
    }
    return total
  }

  // MARK: - Elements

  /// Numeric elements as `Double`.
  /// - Throws: for object and string arrays.
  public func doubles() throws(PickleError) -> [Double] {
    try numeric(as: Double.self)
  }

  /// Numeric elements as `Float` (float64 rounds to nearest).
  public func floats() throws(PickleError) -> [Float] {
    if count == 0 { return [] }
    if dtype.kind == .float && dtype.itemSize == 4 {
      return raw.withUnsafeBytes { buffer in
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
          _ = memcpy(out.baseAddress!, buffer.baseAddress!, count * 4)
          initialized = count
        }
      }
    }
    return try numeric(as: Float.self)
  }

  /// Numeric elements as `Int` (floats truncate toward zero; NaN and infinities are an error).
  public func integers() throws(PickleError) -> [Int] {
    if dtype.kind == .signed || dtype.kind == .unsigned || dtype.kind == .bool {
      return raw.withUnsafeBytes { buffer in
        (0..<count).map { i in Int(truncatingIfNeeded: integer(buffer, at: i)) }
      }
    }
    let values = try doubles()
    return try values.map { (v: Double) throws(PickleError) -> Int in
      guard v.isFinite, abs(v) < 9e18 else { throw PickleError("value \(v) is not an integer") }
      return Int(v)
    }
  }

  /// Text elements: an object array of str (or bytes, decoded as UTF-8), or a `U`/`S` array.
  /// - Throws: for numeric arrays and objects that are not text.
  public func strings() throws(PickleError) -> [String] {
    switch dtype.kind {
    case .object:
      return try objects.map { (value: PickleValue) throws(PickleError) -> String in
        guard let text = value.stringValue else { throw PickleError("element is \(value.kindName), not a str") }
        return text
      }
    case .unicode:
      let width = dtype.itemSize / 4
      return raw.withUnsafeBytes { buffer in
        (0..<count).map { i in
          var scalars = String.UnicodeScalarView()
          for k in 0..<width {
            let code = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: (i * width + k) * 4, as: UInt32.self))
            if code == 0 { break }
            scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
          }
          return String(scalars)
        }
      }
    case .bytes:
      let width = dtype.itemSize
      return (0..<count).map { i in
        String(decoding: raw[(i * width)..<((i + 1) * width)].prefix { $0 != 0 }, as: UTF8.self)
      }
    default:
      throw PickleError("array of \(dtype.spec) holds numbers, not text")
    }
  }

  private func numeric<T: BinaryFloatingPoint>(as _: T.Type) throws(PickleError) -> [T] {
    guard dtype.isNumeric else { throw PickleError("array of \(dtype.spec) does not hold numbers") }
    let size = dtype.itemSize
    return raw.withUnsafeBytes { buffer in
      (0..<count).map { i -> T in
        switch (dtype.kind, size) {
        case (.float, 8): return T(Double(bitPattern: buffer.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
        case (.float, 4): return T(Float(bitPattern: buffer.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        case (.float, _):
          return T(Float(Float16(bitPattern: buffer.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
        case (.unsigned, 8): return T(buffer.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
        default: return T(integer(buffer, at: i))
        }
      }
    }
  }

  /// Element `i` of an integer or bool array, sign-extended.
  private func integer(_ buffer: UnsafeRawBufferPointer, at i: Int) -> Int64 {
    let size = dtype.itemSize
    let signed = dtype.kind == .signed
    switch size {
    case 1: return signed ? Int64(Int8(bitPattern: buffer[i])) : Int64(buffer[i])
    case 2:
      let bits = buffer.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
      return signed ? Int64(Int16(bitPattern: bits)) : Int64(bits)
    case 4:
      let bits = buffer.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
      return signed ? Int64(Int32(bitPattern: bits)) : Int64(bits)
    default: return Int64(bitPattern: buffer.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
    }
  }

  // MARK: - Layout

  private static func swapBytes(_ data: inout [UInt8], width: Int) {
    guard width > 1 else { return }
    data.withUnsafeMutableBufferPointer { buffer in
      var start = 0
      while start + width <= buffer.count {
        var low = start
        var high = start + width - 1
        while low < high {
          buffer.swapAt(low, high)
          low += 1
          high -= 1
        }
        start += width
      }
    }
  }

  /// Fortran-order element bytes to C order: element (i0, ..., ik) sits at sum i_j * F-stride_j.
  static func fortranToC(_ data: [UInt8], shape: [Int], itemSize: Int) -> [UInt8] {
    let count = shape.reduce(1, *)
    guard count > 0 else { return data }
    var fortranStrides = [Int](repeating: 1, count: shape.count)
    for j in 1..<shape.count { fortranStrides[j] = fortranStrides[j - 1] * shape[j - 1] }
    var out = [UInt8](repeating: 0, count: data.count)
    var index = [Int](repeating: 0, count: shape.count)
    var source = 0
    data.withUnsafeBytes { input in
      out.withUnsafeMutableBytes { output in
        for target in 0..<count {
          memcpy(output.baseAddress! + target * itemSize, input.baseAddress! + source * itemSize, itemSize)
          // Advance the C-order index (last axis fastest) and the matching Fortran offset.
          var axis = shape.count - 1
          while axis >= 0 {
            index[axis] += 1
            source += fortranStrides[axis]
            if index[axis] < shape[axis] { break }
            source -= fortranStrides[axis] * shape[axis]
            index[axis] = 0
            axis -= 1
          }
        }
      }
    }
    return out
  }
}
