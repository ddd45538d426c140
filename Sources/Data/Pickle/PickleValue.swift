// The data a restricted unpickle can produce: Python's plain values and containers, plus numpy arrays
// and dtypes built from an allow-list of numpy globals. Nothing else can come out of a pickle here,
// so nothing in one can run.

/// A value read from a pickle.
public indirect enum PickleValue: Sendable {
  case none
  case bool(Bool)
  case int(Int)
  case float(Double)
  case string(String)
  case bytes([UInt8])
  case list([PickleValue])
  case tuple([PickleValue])
  /// Key order as built.
  case dict([(PickleValue, PickleValue)])
  case set([PickleValue])
  /// A numpy array; a numpy scalar (`np.float32(3.5)`) is a 0-dimensional array.
  case array(NDArray)
  case dtype(NumpyDType)

  /// The value under a string key of a dict; nil for another kind or a missing key.
  public subscript(key: String) -> PickleValue? {
    guard case .dict(let pairs) = self else { return nil }
    return pairs.first { if case .string(key) = $0.0 { true } else { false } }?.1
  }

  /// A dict's string keys in order (nil for another kind).
  public var stringKeys: [String]? {
    guard case .dict(let pairs) = self else { return nil }
    return pairs.compactMap { if case .string(let s) = $0.0 { s } else { nil } }
  }

  public var arrayValue: NDArray? {
    if case .array(let a) = self { return a }
    return nil
  }

  public var stringValue: String? {
    switch self {
    case .string(let s): return s
    case .bytes(let b): return String(decoding: b, as: UTF8.self)
    default: return nil
    }
  }

  /// A short name of the kind, for messages ("a dict", "a numpy array").
  public var kindName: String {
    switch self {
    case .none: return "None"
    case .bool: return "a bool"
    case .int: return "an int"
    case .float: return "a float"
    case .string: return "a str"
    case .bytes: return "bytes"
    case .list: return "a list"
    case .tuple: return "a tuple"
    case .dict: return "a dict"
    case .set: return "a set"
    case .array(let a): return a.shape.isEmpty ? "a numpy scalar" : "a numpy array"
    case .dtype: return "a numpy dtype"
    }
  }
}
