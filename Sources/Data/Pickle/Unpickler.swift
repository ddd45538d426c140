// A restricted unpickler: the pickle virtual machine (protocols 2 to 5, and the text opcodes of 0
// and 1 that numpy's reductions can produce), interpreted in Swift so that loading a file can only
// build data. Python's pickle resolves every global by importing it and calls whatever REDUCE names;
// here a global is looked up in a fixed allow-list when the GLOBAL or STACK_GLOBAL opcode is read,
// and a name outside it stops the load with an error naming it, before anything else happens. The
// allowed globals are not called either: each is one of a few numpy reconstruction recipes that
// this file implements (numpy/_core/numeric.py `_frombuffer`, multiarray `_reconstruct` + BUILD with
// ndarray.__setstate__'s state tuple, multiarray `scalar`, `dtype(...)` + BUILD, and protocol 2's
// `_codecs.encode(str, "latin1")` for bytes). Opcode semantics: CPython `Lib/pickle.py` and
// `Lib/pickletools.py`.
import Foundation

/// Why a pickle could not be read; `DataError`s built from it name the file.
public struct PickleError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public var description: String { message }
  public init(_ message: String) { self.message = message }
}

/// Reads pickles that hold only data: None, bools, ints, floats, str, bytes, lists, tuples, dicts,
/// sets, numpy arrays, numpy scalars and numpy dtypes.
public enum Unpickler {
  /// Every global a pickle may name, as `module.name`: numpy 1 (`numpy.core`) and numpy 2
  /// (`numpy._core`) spellings of the array, scalar and protocol-5 buffer recipes, the array and
  /// dtype classes, and `_codecs.encode` (protocol 2 spells bytes as `encode(str, "latin1")`).
  public static let allowedGlobals: [String] = [
    "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer",
    "numpy.ndarray", "numpy.dtype", "_codecs.encode",
  ]

  /// Reads a pickle file (memory-mapped).
  /// - Throws: `DataError` naming the file: not found, a global outside `allowedGlobals` (named,
  ///   with the assurance that nothing ran), or a broken or truncated pickle (with the byte offset).
  public static func load(path: String) throws -> PickleValue {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
      throw DataError("\(path): file not found")
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
    } catch {
      throw DataError("\(path): cannot read the file (\(error.localizedDescription))")
    }
    do {
      return try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws(PickleError) in try loads(bytes) }
    } catch let error as PickleError {
      throw DataError("\(path): \(error.message)")
    }
  }

  /// Reads a pickle from bytes in memory.
  /// - Throws: `PickleError` as `load(path:)` describes.
  public static func loads(_ bytes: UnsafeRawBufferPointer) throws(PickleError) -> PickleValue {
    var machine = Machine(input: bytes)
    return try machine.run()
  }

  /// Reads a pickle from a byte array.
  public static func loads(_ bytes: [UInt8]) throws(PickleError) -> PickleValue {
    let result = bytes.withUnsafeBytes { buffer in Result { () throws(PickleError) in try loads(buffer) } }
    return try result.get()
  }
}

// MARK: - The machine

/// The allowed globals, by what they build.
private enum Global {
  case reconstruct, scalar, frombuffer, ndarray, dtype, encode

  init?(module: String, name: String) {
    guard Unpickler.allowedGlobals.contains("\(module).\(name)") else { return nil }
    switch name {
    case "_reconstruct": self = .reconstruct
    case "scalar": self = .scalar
    case "_frombuffer": self = .frombuffer
    case "ndarray": self = .ndarray
    case "dtype": self = .dtype
    default: self = .encode
    }
  }
}

/// A mutable container while the pickle fills it (APPEND, SETITEMS, memo references share it).
private final class Box<T> {
  var value: T
  init(_ value: T) { self.value = value }
}

/// A stack or memo entry: finished values, containers still being filled, and numpy objects
/// awaiting their BUILD.
private enum Item {
  case value(PickleValue)
  case list(Box<[Item]>)
  case dict(Box<[(Item, Item)]>)
  case set(Box<[Item]>)
  case tuple([Item])
  case global(Global)
  /// `_reconstruct(ndarray, (0,), b"b")`: an empty array that BUILD fills.
  case pendingArray(Box<NDArray?>)
  /// `dtype(spec, align, copy)`: BUILD sets byte order and item size.
  case pendingDType(Box<NumpyDType>)
}

private struct Machine {
  let input: UnsafeRawBufferPointer
  var position = 0
  var stack: [Item] = []
  var marks: [Int] = []
  var memo: [Int: Item] = [:]
  /// Frozen containers by identity, so shared references freeze once.
  var frozen: [ObjectIdentifier: PickleValue] = [:]
  var freezing: Set<ObjectIdentifier> = []

  init(input: UnsafeRawBufferPointer) { self.input = input }

  // MARK: Reading bytes

  mutating func take(_ n: Int, for what: String) throws(PickleError) -> UnsafeRawBufferPointer {
    guard n >= 0, n <= input.count - position else {
      throw PickleError(
        "truncated pickle: \(what) at byte \(position) needs \(n) bytes, \(input.count - position) are left")
    }
    defer { position += n }
    return UnsafeRawBufferPointer(rebasing: input[position..<(position + n)])
  }

  mutating func byte(for what: String) throws(PickleError) -> UInt8 { try take(1, for: what)[0] }

  mutating func littleEndian(_ n: Int, for what: String) throws(PickleError) -> UInt64 {
    let bytes = try take(n, for: what)
    var value: UInt64 = 0
    for (k, b) in bytes.enumerated() { value |= UInt64(b) << (8 * UInt64(k)) }
    return value
  }

  mutating func length(_ n: Int, for what: String) throws(PickleError) -> Int {
    let value = try littleEndian(n, for: what)
    guard value <= UInt64(input.count - position) else {
      throw PickleError(
        "truncated pickle: \(what) at byte \(position) declares \(value) bytes, \(input.count - position) are left")
    }
    return Int(value)
  }

  mutating func line(for what: String) throws(PickleError) -> String {
    guard let end = input[position...].firstIndex(of: 0x0A) else {
      throw PickleError("truncated pickle: \(what) at byte \(position) has no end of line")
    }
    defer { position = end + 1 }
    return String(decoding: UnsafeRawBufferPointer(rebasing: input[position..<end]), as: UTF8.self)
  }

  mutating func utf8(_ n: Int, for what: String) throws(PickleError) -> String {
    let at = position
    let bytes = try take(n, for: what)
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw PickleError("\(what) at byte \(at) is not valid UTF-8")
    }
    return text
  }

  // MARK: Stack

  mutating func pop(for what: String) throws(PickleError) -> Item {
    guard let item = stack.popLast(), stack.count >= (marks.last ?? 0) else {
      throw PickleError("malformed pickle: \(what) at byte \(position) finds the stack empty")
    }
    return item
  }

  func top(for what: String) throws(PickleError) -> Item {
    guard let item = stack.last, stack.count > (marks.last ?? 0) else {
      throw PickleError("malformed pickle: \(what) at byte \(position) finds the stack empty")
    }
    return item
  }

  mutating func popMark(for what: String) throws(PickleError) -> [Item] {
    guard let mark = marks.popLast() else {
      throw PickleError("malformed pickle: \(what) at byte \(position) has no MARK")
    }
    defer { stack.removeSubrange(mark...) }
    return Array(stack[mark...])
  }

  // MARK: Running

  mutating func run() throws(PickleError) -> PickleValue {
    while true {
      let at = position
      let op = try byte(for: "opcode")
      switch op {
      case 0x80:  // PROTO
        let version = try byte(for: "PROTO")
        guard version <= 5 else { throw PickleError("pickle protocol \(version) is newer than 5") }
      case 0x95: _ = try take(8, for: "FRAME")  // framing only groups opcodes; nothing to do
      case 0x2E:  // STOP
        let result = try pop(for: "STOP")
        return try freeze(result, depth: 0)

      // Numbers and constants
      case 0x4E: stack.append(.value(.none))  // NONE
      case 0x88: stack.append(.value(.bool(true)))  // NEWTRUE
      case 0x89: stack.append(.value(.bool(false)))  // NEWFALSE
      case 0x4B: stack.append(.value(.int(Int(try byte(for: "BININT1")))))
      case 0x4D: stack.append(.value(.int(Int(try littleEndian(2, for: "BININT2")))))
      case 0x4A:  // BININT
        stack.append(.value(.int(Int(Int32(truncatingIfNeeded: try littleEndian(4, for: "BININT"))))))
      case 0x8A, 0x8B:  // LONG1, LONG4
        let n = try length(op == 0x8A ? 1 : 4, for: "LONG")
        stack.append(.value(.int(try twosComplement(try take(n, for: "LONG")))))
      case 0x47:  // BINFLOAT, big-endian
        let bytes = try take(8, for: "BINFLOAT")
        stack.append(.value(.float(Double(bitPattern: bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }))))
      case 0x49:  // INT (protocol 0): "01"/"00" are True/False
        let text = try line(for: "INT")
        if text == "01" || text == "00" {
          stack.append(.value(.bool(text == "01")))
        } else {
          guard let n = Int(text) else { throw PickleError("malformed pickle: INT \(text) at byte \(at)") }
          stack.append(.value(.int(n)))
        }
      case 0x4C:  // LONG (protocol 0)
        let text = try line(for: "LONG")
        guard let n = Int(text.hasSuffix("L") ? String(text.dropLast()) : text) else {
          throw PickleError("integer \(text) at byte \(at) is wider than 64 bits")
        }
        stack.append(.value(.int(n)))
      case 0x46:  // FLOAT (protocol 0)
        let text = try line(for: "FLOAT")
        guard let x = Double(text) else { throw PickleError("malformed pickle: FLOAT \(text) at byte \(at)") }
        stack.append(.value(.float(x)))

      // Text and bytes
      case 0x8C: stack.append(.value(.string(try utf8(try length(1, for: "SHORT_BINUNICODE"), for: "str"))))
      case 0x58: stack.append(.value(.string(try utf8(try length(4, for: "BINUNICODE"), for: "str"))))
      case 0x8D: stack.append(.value(.string(try utf8(try length(8, for: "BINUNICODE8"), for: "str"))))
      case 0x56: stack.append(.value(.string(rawUnicodeEscape(try line(for: "UNICODE")))))
      case 0x43: stack.append(.value(.bytes(Array(try take(try length(1, for: "SHORT_BINBYTES"), for: "bytes")))))
      case 0x42: stack.append(.value(.bytes(Array(try take(try length(4, for: "BINBYTES"), for: "bytes")))))
      case 0x8E: stack.append(.value(.bytes(Array(try take(try length(8, for: "BINBYTES8"), for: "bytes")))))
      case 0x96: stack.append(.value(.bytes(Array(try take(try length(8, for: "BYTEARRAY8"), for: "bytes")))))
      case 0x55, 0x54:  // SHORT_BINSTRING, BINSTRING: Python 2 str, kept as bytes
        let n = try length(op == 0x55 ? 1 : 4, for: "BINSTRING")
        stack.append(.value(.bytes(Array(try take(n, for: "str")))))
      case 0x97:
        throw PickleError("the pickle needs out-of-band buffers (NEXT_BUFFER at byte \(at)), which a file cannot carry")
      case 0x98: break  // READONLY_BUFFER: the bytes are ours anyway

      // Containers
      case 0x28: marks.append(stack.count)  // MARK
      case 0x5D: stack.append(.list(Box([])))  // EMPTY_LIST
      case 0x7D: stack.append(.dict(Box([])))  // EMPTY_DICT
      case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
      case 0x8F: stack.append(.set(Box([])))  // EMPTY_SET
      case 0x6C: stack.append(.list(Box(try popMark(for: "LIST"))))
      case 0x74: stack.append(.tuple(try popMark(for: "TUPLE")))
      case 0x91: stack.append(.set(Box(try popMark(for: "FROZENSET"))))
      case 0x64: stack.append(.dict(Box(try pairs(try popMark(for: "DICT"), for: "DICT"))))
      case 0x85, 0x86, 0x87:  // TUPLE1..3
        let n = Int(op - 0x84)
        guard stack.count - n >= (marks.last ?? 0) else {
          throw PickleError("malformed pickle: TUPLE\(n) at byte \(at) finds \(stack.count) items")
        }
        let items = Array(stack.suffix(n))
        stack.removeLast(n)
        stack.append(.tuple(items))
      case 0x61:  // APPEND
        let item = try pop(for: "APPEND")
        try list(top(for: "APPEND"), for: "APPEND").value.append(item)
      case 0x65:  // APPENDS
        let items = try popMark(for: "APPENDS")
        try list(top(for: "APPENDS"), for: "APPENDS").value += items
      case 0x73:  // SETITEM
        let value = try pop(for: "SETITEM")
        let key = try pop(for: "SETITEM")
        try dict(top(for: "SETITEM"), for: "SETITEM").value.append((key, value))
      case 0x75:  // SETITEMS
        let items = try pairs(try popMark(for: "SETITEMS"), for: "SETITEMS")
        try dict(top(for: "SETITEMS"), for: "SETITEMS").value += items
      case 0x90:  // ADDITEMS
        let items = try popMark(for: "ADDITEMS")
        guard case .set(let box) = try top(for: "ADDITEMS") else {
          throw PickleError("malformed pickle: ADDITEMS at byte \(at) on something that is not a set")
        }
        box.value += items
      case 0x30: _ = try pop(for: "POP")  // POP
      case 0x31: _ = try popMark(for: "POP_MARK")  // POP_MARK
      case 0x32: stack.append(try top(for: "DUP"))  // DUP

      // Memo
      case 0x71: memo[Int(try byte(for: "BINPUT"))] = try top(for: "BINPUT")
      case 0x72: memo[Int(try littleEndian(4, for: "LONG_BINPUT"))] = try top(for: "LONG_BINPUT")
      case 0x94: memo[memo.count] = try top(for: "MEMOIZE")
      case 0x70:  // PUT
        let text = try line(for: "PUT")
        guard let k = Int(text) else { throw PickleError("malformed pickle: PUT \(text) at byte \(at)") }
        memo[k] = try top(for: "PUT")
      case 0x68: try get(Int(try byte(for: "BINGET")), at: at)
      case 0x6A: try get(Int(try littleEndian(4, for: "LONG_BINGET")), at: at)
      case 0x67:  // GET
        let text = try line(for: "GET")
        guard let k = Int(text) else { throw PickleError("malformed pickle: GET \(text) at byte \(at)") }
        try get(k, at: at)

      // Globals and object construction
      case 0x63:  // GLOBAL "module\nname\n"
        let module = try line(for: "GLOBAL")
        let name = try line(for: "GLOBAL")
        stack.append(.global(try resolve(module: module, name: name)))
      case 0x93:  // STACK_GLOBAL
        let name = try pop(for: "STACK_GLOBAL")
        let module = try pop(for: "STACK_GLOBAL")
        guard case .value(.string(let n)) = name, case .value(.string(let m)) = module else {
          throw PickleError("malformed pickle: STACK_GLOBAL at byte \(at) needs two str")
        }
        stack.append(.global(try resolve(module: m, name: n)))
      case 0x52:  // REDUCE
        let arguments = try pop(for: "REDUCE")
        let callable = try pop(for: "REDUCE")
        stack.append(try reduce(callable, arguments, at: at))
      case 0x62:  // BUILD
        let state = try pop(for: "BUILD")
        try build(top(for: "BUILD"), state: state, at: at)
      case 0x81, 0x92:  // NEWOBJ, NEWOBJ_EX
        throw PickleError("the pickle constructs an object with NEWOBJ at byte \(at); only data is read")
      case 0x69:  // INST "module\nname\n": names a global like GLOBAL, then calls it
        let module = try line(for: "INST")
        let name = try line(for: "INST")
        _ = try resolve(module: module, name: name)
        throw PickleError("the pickle constructs \(module).\(name) with INST at byte \(at); only data is read")
      case 0x6F: throw PickleError("the pickle constructs an object with OBJ at byte \(at); only data is read")
      case 0x50, 0x51:
        throw PickleError("the pickle uses persistent ids (byte \(at)), which refer to objects outside the file")
      case 0x82, 0x83, 0x84:
        throw PickleError("the pickle uses the copyreg extension registry (byte \(at)), which names code")
      case 0x53:
        throw PickleError("the pickle uses protocol 0's STRING at byte \(at), which this reader does not support")
      default:
        throw PickleError("not a pickle, or a damaged one: unknown opcode 0x\(String(op, radix: 16)) at byte \(at)")
      }
    }
  }

  mutating func get(_ key: Int, at: Int) throws(PickleError) {
    guard let item = memo[key] else { throw PickleError("malformed pickle: memo key \(key) at byte \(at) is unset") }
    stack.append(item)
  }

  func resolve(module: String, name: String) throws(PickleError) -> Global {
    // Python 2 pickles spell the builtins module __builtin__.
    let module = module == "__builtin__" ? "builtins" : module
    guard let global = Global(module: module, name: name) else {
      throw PickleError(
        "refused to load: the pickle refers to \(module).\(name), which is not a numpy array, dtype, list, tuple, "
          + "dict, str, bytes or number; nothing in it was run")
    }
    return global
  }

  func list(_ item: Item, for what: String) throws(PickleError) -> Box<[Item]> {
    guard case .list(let box) = item else { throw PickleError("malformed pickle: \(what) on something not a list") }
    return box
  }

  func dict(_ item: Item, for what: String) throws(PickleError) -> Box<[(Item, Item)]> {
    guard case .dict(let box) = item else { throw PickleError("malformed pickle: \(what) on something not a dict") }
    return box
  }

  func pairs(_ items: [Item], for what: String) throws(PickleError) -> [(Item, Item)] {
    guard items.count % 2 == 0 else { throw PickleError("malformed pickle: \(what) with an odd number of items") }
    return stride(from: 0, to: items.count, by: 2).map { (items[$0], items[$0 + 1]) }
  }

  func twosComplement(_ bytes: UnsafeRawBufferPointer) throws(PickleError) -> Int {
    guard bytes.count <= 8 else { throw PickleError("an integer of \(bytes.count) bytes is wider than 64 bits") }
    guard let last = bytes.last else { return 0 }
    var value: UInt64 = last & 0x80 != 0 ? ~0 : 0
    for b in bytes.reversed() { value = value << 8 | UInt64(b) }
    return Int(Int64(bitPattern: value))
  }

  /// Protocol 0's raw-unicode-escape: `\uXXXX` and `\UXXXXXXXX` escapes, every other byte Latin-1.
  func rawUnicodeEscape(_ text: String) -> String {
    var out = String.UnicodeScalarView()
    let bytes = Array(text.unicodeScalars)
    var i = 0
    while i < bytes.count {
      if bytes[i] == "\\", i + 1 < bytes.count, bytes[i + 1] == "u" || bytes[i + 1] == "U" {
        let width = bytes[i + 1] == "u" ? 4 : 8
        let digits = String(String.UnicodeScalarView(bytes[(i + 2)..<min(i + 2 + width, bytes.count)]))
        if digits.count == width, let code = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(code) {
          out.append(scalar)
          i += 2 + width
          continue
        }
      }
      out.append(bytes[i])
      i += 1
    }
    return String(out)
  }

  // MARK: numpy recipes

  mutating func reduce(_ callable: Item, _ arguments: Item, at: Int) throws(PickleError) -> Item {
    guard case .global(let global) = callable else {
      throw PickleError("malformed pickle: REDUCE at byte \(at) calls something that is not an allowed global")
    }
    guard case .tuple(let args) = arguments else {
      throw PickleError("malformed pickle: REDUCE at byte \(at) has arguments that are not a tuple")
    }
    switch global {
    case .reconstruct:
      // _reconstruct(ndarray, (0,), b"b"): the array itself comes with BUILD.
      guard let first = args.first, case .global(.ndarray) = first else {
        throw PickleError("numpy _reconstruct at byte \(at) builds something other than numpy.ndarray")
      }
      return .pendingArray(Box(nil))
    case .dtype:
      guard let first = args.first, case .string(let spec) = try freeze(first, depth: 0) else {
        throw PickleError("numpy.dtype at byte \(at) without a type string")
      }
      return .pendingDType(Box(try NumpyDType(spec: spec)))
    case .scalar:
      // scalar(dtype, bytes): one element.
      guard args.count == 2, case .dtype(let dtype) = try freeze(args[0], depth: 0),
        case .bytes(let bytes) = try freeze(args[1], depth: 0)
      else { throw PickleError("numpy scalar at byte \(at) is not (dtype, bytes)") }
      return .value(.array(try NDArray(dtype: dtype, shape: [], bytes: bytes, fortranOrder: false)))
    case .frombuffer:
      // _frombuffer(buffer, dtype, shape, order), protocol 5's in-band buffer.
      guard args.count == 4, case .bytes(let bytes) = try freeze(args[0], depth: 0),
        case .dtype(let dtype) = try freeze(args[1], depth: 0), case .tuple(let dims) = try freeze(args[2], depth: 0),
        case .string(let order) = try freeze(args[3], depth: 0)
      else { throw PickleError("numpy _frombuffer at byte \(at) is not (buffer, dtype, shape, order)") }
      let shape = try integers(dims, what: "_frombuffer shape", at: at)
      return .value(.array(try NDArray(dtype: dtype, shape: shape, bytes: bytes, fortranOrder: order == "F")))
    case .encode:
      // _codecs.encode(str, "latin1"): how protocol 2 spells bytes.
      guard args.count == 2, case .string(let text) = try freeze(args[0], depth: 0),
        case .string(let encoding) = try freeze(args[1], depth: 0), encoding == "latin1" || encoding == "latin-1"
      else { throw PickleError("_codecs.encode at byte \(at) is admitted only as (str, \"latin1\")") }
      var bytes: [UInt8] = []
      bytes.reserveCapacity(text.unicodeScalars.count)
      for scalar in text.unicodeScalars {
        guard scalar.value < 256 else { throw PickleError("_codecs.encode at byte \(at): text is not Latin-1") }
        bytes.append(UInt8(scalar.value))
      }
      return .value(.bytes(bytes))
    case .ndarray:
      throw PickleError("the pickle calls numpy.ndarray directly at byte \(at); only numpy's own recipes are read")
    }
  }

  mutating func build(_ target: Item, state: Item, at: Int) throws(PickleError) {
    switch target {
    case .pendingArray(let box):
      // ndarray.__setstate__: (version, shape, dtype, is_fortran, data) or without the version.
      guard case .tuple(var parts) = try freeze(state, depth: 0), parts.count == 5 || parts.count == 4 else {
        throw PickleError("numpy array state at byte \(at) is not (version, shape, dtype, fortran, data)")
      }
      if parts.count == 5 { parts.removeFirst() }
      guard case .tuple(let dims) = parts[0], case .dtype(let dtype) = parts[1] else {
        throw PickleError("numpy array state at byte \(at) has no shape or dtype")
      }
      let shape = try integers(dims, what: "array shape", at: at)
      let fortran: Bool
      switch parts[2] {
      case .bool(let b): fortran = b
      case .int(let n): fortran = n != 0
      default: throw PickleError("numpy array state at byte \(at) has no order flag")
      }
      switch parts[3] {
      case .bytes(let bytes) where dtype.kind != .object:
        box.value = try NDArray(dtype: dtype, shape: shape, bytes: bytes, fortranOrder: fortran)
      case .list(let items) where dtype.kind == .object:
        box.value = try NDArray(shape: shape, objects: items)
      case .string(let text) where dtype.kind != .object:
        // A Python 2 str read as text: its code points are the bytes.
        box.value = try NDArray(
          dtype: dtype, shape: shape, bytes: text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) },
          fortranOrder: fortran)
      default:
        throw PickleError("numpy array state at byte \(at) holds \(parts[3].kindName) for dtype \(dtype.spec)")
      }
    case .pendingDType(let box):
      // (version, byteorder, subdescr, names, fields, elsize, alignment, flags)
      guard case .tuple(let parts) = try freeze(state, depth: 0), parts.count >= 6 else {
        throw PickleError("numpy dtype state at byte \(at) is not a tuple of 8")
      }
      if case .string(let order) = parts[1] { box.value.bigEndian = order == ">" }
      if case .none = parts[2], case .none = parts[3] {
      } else {
        throw PickleError("numpy dtype at byte \(at) is structured; only plain dtypes are read")
      }
      if case .int(let size) = parts[5], size > 0, box.value.kind == .unicode || box.value.kind == .bytes {
        box.value.itemSize = size
      }
    default:
      throw PickleError("the pickle sets the state of an object at byte \(at); only numpy arrays and dtypes take one")
    }
  }

  func integers(_ values: [PickleValue], what: String, at: Int) throws(PickleError) -> [Int] {
    var out: [Int] = []
    for value in values {
      guard case .int(let n) = value else { throw PickleError("\(what) at byte \(at) holds \(value.kindName)") }
      out.append(n)
    }
    return out
  }

  // MARK: Freezing

  /// The finished value of an item; containers freeze once each (shared references share the
  /// result), and a container that contains itself is an error.
  mutating func freeze(_ item: Item, depth: Int) throws(PickleError) -> PickleValue {
    guard depth < 1000 else { throw PickleError("the pickle nests containers more than 1000 deep") }
    switch item {
    case .value(let value): return value
    case .tuple(let items):
      var out: [PickleValue] = []
      out.reserveCapacity(items.count)
      for child in items { out.append(try freeze(child, depth: depth + 1)) }
      return .tuple(out)
    case .list(let box):
      return try frozenOnce(box) { (machine: inout Machine) throws(PickleError) in
        var out: [PickleValue] = []
        out.reserveCapacity(box.value.count)
        for child in box.value { out.append(try machine.freeze(child, depth: depth + 1)) }
        return .list(out)
      }
    case .set(let box):
      return try frozenOnce(box) { (machine: inout Machine) throws(PickleError) in
        var out: [PickleValue] = []
        for child in box.value { out.append(try machine.freeze(child, depth: depth + 1)) }
        return .set(out)
      }
    case .dict(let box):
      return try frozenOnce(box) { (machine: inout Machine) throws(PickleError) in
        var out: [(PickleValue, PickleValue)] = []
        out.reserveCapacity(box.value.count)
        for (key, value) in box.value {
          out.append((try machine.freeze(key, depth: depth + 1), try machine.freeze(value, depth: depth + 1)))
        }
        return .dict(out)
      }
    case .pendingArray(let box):
      guard let array = box.value else { throw PickleError("a numpy array was never given its data (no BUILD)") }
      return .array(array)
    case .pendingDType(let box): return .dtype(box.value)
    case .global: throw PickleError("the pickle holds a bare numpy class or function, not data")
    }
  }

  mutating func frozenOnce<T>(
    _ box: Box<T>, _ make: (inout Machine) throws(PickleError) -> PickleValue
  ) throws(PickleError) -> PickleValue {
    let key = ObjectIdentifier(box)
    if let done = frozen[key] { return done }
    guard freezing.insert(key).inserted else { throw PickleError("the pickle holds a container that contains itself") }
    let value = try make(&self)
    freezing.remove(key)
    frozen[key] = value
    return value
  }
}
