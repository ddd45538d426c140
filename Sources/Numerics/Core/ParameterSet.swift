/// A handle to one named tensor inside a `ParameterSet`'s flat buffers.
public struct ParameterRef: Sendable, Hashable {
  /// Start of the tensor in `values`/`gradients` (trainable) or `buffers` (state).
  public let offset: Int
  /// Number of elements.
  public let count: Int
  /// Trainable tensors have a gradient and optimizer moments; the others (feature statistics,
  /// a frozen encoder's weights) live in `buffers`.
  public let trainable: Bool
}

/// Every parameter of a model in one flat buffer, with a named view per tensor (the llm.c layout).
///
/// A model registers its tensors while it is built (`add`), then calls `allocate()` once. AdamW is
/// then one loop over `values`, gradient clipping one norm over `gradients`, a checkpoint one write.
/// Trainable tensors lie in registration order in `values`; non-trainable state lies in `buffers`.
///
/// ```swift
/// let params = ParameterSet<Float>()
/// let weight = params.add("project.text.0.weight", shape: [64, 32])
/// params.allocate()
/// params.value(weight)[0] = 0.5
/// ```
public final class ParameterSet<T: Scalar> {
  /// One registered tensor.
  public struct Entry: Sendable {
    public let name: String
    public let shape: [Int]
    public let ref: ParameterRef
  }

  public private(set) var entries: [Entry] = []
  private var indexByName: [String: Int] = [:]
  public private(set) var trainableCount = 0
  public private(set) var bufferCount = 0
  /// Trainable values, gradients and nothing else; empty until `allocate()`.
  public private(set) var values = UnsafeMutableBufferPointer<T>(start: nil, count: 0)
  public private(set) var gradients = UnsafeMutableBufferPointer<T>(start: nil, count: 0)
  /// Non-trainable state.
  public private(set) var buffers = UnsafeMutableBufferPointer<T>(start: nil, count: 0)
  public private(set) var isAllocated = false

  public init() {}

  deinit {
    values.deallocate()
    gradients.deallocate()
    buffers.deallocate()
  }

  /// Registers a tensor. Names are unique; shapes are row-major as in PyTorch's `state_dict`.
  /// - Precondition: called before `allocate()`.
  @discardableResult
  public func add(_ name: String, shape: [Int], trainable: Bool = true) -> ParameterRef {
    precondition(!isAllocated, "ParameterSet.add(\(name)) after allocate()")
    precondition(indexByName[name] == nil, "parameter \(name) registered twice")
    let count = shape.reduce(1, *)
    let ref: ParameterRef
    if trainable {
      ref = ParameterRef(offset: trainableCount, count: count, trainable: true)
      trainableCount += count
    } else {
      ref = ParameterRef(offset: bufferCount, count: count, trainable: false)
      bufferCount += count
    }
    indexByName[name] = entries.count
    entries.append(Entry(name: name, shape: shape, ref: ref))
    return ref
  }

  /// Allocates the zero-filled buffers; registration ends here.
  public func allocate() {
    precondition(!isAllocated, "ParameterSet.allocate() called twice")
    values = .allocate(capacity: trainableCount)
    values.initialize(repeating: 0)
    gradients = .allocate(capacity: trainableCount)
    gradients.initialize(repeating: 0)
    buffers = .allocate(capacity: bufferCount)
    buffers.initialize(repeating: 0)
    isAllocated = true
  }

  /// The entry registered under `name`, if any.
  public func entry(named name: String) -> Entry? {
    indexByName[name].map { entries[$0] }
  }

  /// Pointer to a tensor's values (trainable or not).
  @inlinable
  public func value(_ ref: ParameterRef) -> UnsafeMutablePointer<T> {
    (ref.trainable ? values.baseAddress! : buffers.baseAddress!) + ref.offset
  }

  /// Pointer to a trainable tensor's gradient.
  /// - Precondition: `ref.trainable`.
  @inlinable
  public func gradient(_ ref: ParameterRef) -> UnsafeMutablePointer<T> {
    precondition(ref.trainable, "gradient of a non-trainable tensor")
    return gradients.baseAddress! + ref.offset
  }

  /// Sets every gradient to zero (once per step, before backward accumulates).
  public func zeroGradients() {
    gradients.update(repeating: 0)
  }

  /// Copies every value from `other`, which must have the same layout (a weight average, a
  /// Double copy for gradient checks goes through `entries` instead).
  public func copyValues(from other: ParameterSet<T>) {
    precondition(other.trainableCount == trainableCount && other.bufferCount == bufferCount)
    if trainableCount > 0 { values.baseAddress!.update(from: other.values.baseAddress!, count: trainableCount) }
    if bufferCount > 0 { buffers.baseAddress!.update(from: other.buffers.baseAddress!, count: bufferCount) }
  }
}
