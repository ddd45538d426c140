// MMSA feature pickles (`aligned_50.pkl`, `unaligned_50.pkl`), read through the restricted
// `Unpickler`. Layout (thuiar/MMSA, `MMSA/data_loader.py`): a dict of splits train/valid/test, each
// a dict of per-clip arrays:
//
//     id                  "video$_$clip"                 raw_text        transcript
//     text                [N, L, D_t] features           text_bert       [N, 3, L] ids, mask, segments
//     audio, vision       [N, L_m, D_m], zero-padded     <m>_lengths     [N] true lengths (unaligned)
//     regression_labels   [N] sentiment in [-3, 3]       emotion_labels  [N, 6] (mmolre's addition)
//
// Padding is cut as the reference's `mmsa_pickle.py` cuts it: by `<m>_lengths` where the file has
// them; text without lengths by `text_bert`'s attention mask; anything else (aligned files record
// no lengths) loses its all-zero rows at both ends. Non-finite values (MOSI's audio holds -inf) are
// set to 0 over the whole array first, and counted.

import Foundation

/// Reads MMSA pickles into datasets.
public enum MMSAPickle {
  /// Modalities an MMSA split can carry, in model order.
  public static let modalities = ["text", "audio", "vision"]
  /// What `text` can be read from: feature vectors, or BERT inputs as `[L, 3]` (ids, mask, segment).
  public static let textFields = ["text", "text_bert"]

  /// Reads an MMSA pickle into train/valid/test.
  ///
  /// - Parameters:
  ///   - source: dataset name of every sample; default guessed from the path (`mosi`, `mosei`).
  ///   - textField: `text` (feature vectors) or `text_bert` (token ids, mask and segment per token).
  ///   - modalities: which of text/audio/vision to keep, in that order; default all present.
  ///   - trimPadding: drop all-zero rows at both ends of sequences without recorded lengths.
  /// - Throws: `DataError` naming the file and every structural problem, or the refused global.
  public static func load(
    path: String, source: String? = nil, textField: String = "text", modalities: [String]? = nil,
    trimPadding: Bool = true
  ) throws -> LoadedSplits {
    let value = try Unpickler.load(path: path)
    return try splits(
      from: value, origin: path, source: source ?? DataConventions.guessSource(path: path), textField: textField,
      modalities: modalities, trimPadding: trimPadding)
  }

  /// Every problem of a pickle file, one line each prefixed with the path (empty when it is fine).
  public static func problems(path: String, textField: String = "text") -> [String] {
    do {
      return problems(in: try Unpickler.load(path: path), textField: textField).map { "\(path): \($0)" }
    } catch {
      return ["\(error)"]
    }
  }

  /// Structural problems of an unpickled MMSA dict, one line each.
  public static func problems(in value: PickleValue, textField: String = "text") -> [String] {
    guard case .dict = value, let keys = value.stringKeys else {
      return ["the pickle holds \(value.kindName), expected a dict of splits train, valid, test"]
    }
    var problems: [String] = []
    for split in DataConventions.splits where !keys.contains(split) {
      problems.append("split \(split) is missing (has \(keys.sorted().joined(separator: ", ")))")
    }
    var dims: [String: Set<Int>] = [:]
    for split in DataConventions.splits {
      guard let part = value[split] else { continue }
      problems += splitProblems(part, split: split, textField: textField)
      for key in modalities + ["text_bert"] {
        if let array = part[key]?.arrayValue, array.shape.count == 3 {
          dims[key, default: []].insert(key == "text_bert" ? array.shape[1] : array.shape[2])
        }
      }
    }
    for (key, found) in dims.sorted(by: { $0.key < $1.key }) where found.count > 1 {
      problems.append("\(key) has a different dim in different splits: \(found.sorted())")
    }
    return problems
  }

  private static func splitProblems(_ part: PickleValue, split: String, textField: String) -> [String] {
    guard case .dict = part, let keys = part.stringKeys else {
      return ["split \(split) is \(part.kindName), expected a dict of arrays"]
    }
    let missing = ["id", "regression_labels"].filter { !keys.contains($0) }
    if !missing.isEmpty {
      return missing.map { "split \(split) has no \($0) (keys: \(keys.sorted().joined(separator: ", ")))" }
    }
    guard let ids = try? strings(part["id"]!) else { return ["split \(split): id is not a list of str"] }
    let n = ids.count
    if n == 0 { return ["split \(split) has zero rows"] }
    var problems: [String] = []
    if let labels = try? numbers(part["regression_labels"]!) {
      if labels.count != n {
        problems.append("split \(split): regression_labels has \(labels.count) rows but there are \(n) ids")
      } else {
        let nan = labels.filter(\.isNaN).count
        if nan > 0 { problems.append("split \(split): \(nan) regression_labels are NaN") }
        let outside = labels.filter { !$0.isNaN && !DataConventions.sentimentInRange($0) }.count
        if outside > 0 { problems.append("split \(split): \(outside) regression_labels lie outside [-3, 3]") }
      }
    } else {
      problems.append("split \(split): regression_labels are not numbers")
    }
    if Set(ids).count != ids.count { problems.append("split \(split) has duplicate ids") }
    for key in modalities + ["text_bert"] {
      guard let value = part[key] else { continue }
      guard let array = value.arrayValue, array.shape.count == 3, array.dtype.isNumeric else {
        let shape = value.arrayValue.map { "\($0.shape)" } ?? value.kindName
        problems.append("split \(split): \(key) is \(shape), expected a numeric array [N, T, D] (text_bert [N, 3, L])")
        continue
      }
      if array.shape[0] != n {
        problems.append("split \(split): \(key) has \(array.shape[0]) rows but there are \(n) ids")
      }
      if key == "text_bert" && array.shape[1] != 3 {
        problems.append("split \(split): text_bert has shape \(array.shape), expected [N, 3, L]")
      }
      if let lengthsValue = part["\(key)_lengths"] {
        let longest = key == "text_bert" ? array.shape[2] : array.shape[1]
        guard let lengths = try? integers(lengthsValue) else {
          problems.append("split \(split): \(key)_lengths are not integers")
          continue
        }
        if lengths.count != n {
          problems.append("split \(split): \(key)_lengths has \(lengths.count) rows but there are \(n) ids")
        } else if let low = lengths.min(), let high = lengths.max(), low < 0 || high > longest {
          problems.append("split \(split): \(key)_lengths has values outside [0, \(longest)] (min \(low), max \(high))")
        }
      }
    }
    if textField == "text_bert" && part["text_bert"] == nil {
      problems.append("split \(split) has no text_bert (asked for as the text field)")
    }
    if let emotions = part["emotion_labels"] {
      let shape = emotions.arrayValue?.shape
      if shape != [n, 6] {
        problems.append(
          "split \(split): emotion_labels has shape \(shape.map { "\($0)" } ?? emotions.kindName), expected [\(n), 6]")
      }
    }
    return problems
  }

  /// Turns an unpickled MMSA dict into datasets (after checking it with `problems(in:)`).
  public static func splits(
    from value: PickleValue, origin: String, source: String, textField: String = "text", modalities: [String]? = nil,
    trimPadding: Bool = true
  ) throws -> LoadedSplits {
    guard textFields.contains(textField) else {
      throw DataError("\(origin): text field must be text or text_bert, not \(textField)")
    }
    let found = problems(in: value, textField: textField)
    if !found.isEmpty { throw DataError("\(origin): " + found.joined(separator: "; ")) }
    var out = LoadedSplits(splits: [:])
    for split in DataConventions.splits {
      let part = value[split]!
      let ids = try strings(part["id"]!)
      let n = ids.count
      let keyOf = ["text": textField, "audio": "audio", "vision": "vision"]
      let wanted = modalities ?? Self.modalities.filter { part[keyOf[$0]!] != nil }
      var features: [String: FeatureSequences] = [:]
      for modality in wanted {
        guard let key = keyOf[modality], part[key] != nil else {
          throw DataError("\(origin): split \(split) has no \(keyOf[modality] ?? modality) for modality \(modality)")
        }
        let (sequences, zeroed) = try sequences(part, key: key, trimPadding: trimPadding)
        features[modality] = sequences
        if zeroed > 0 { out.nonFinite[split, default: [:]][modality] = zeroed }
      }
      let emotions: [Float] =
        try part["emotion_labels"].map { try numbers($0).map(Float.init) } ?? Array(repeating: .nan, count: 6 * n)
      let texts = try part["raw_text"].map {
        try strings($0).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
      }
      out.splits[split] = try MultimodalDataset(
        ids: ids, sources: Array(repeating: source, count: n), modalities: wanted, features: features,
        sentiment: try numbers(part["regression_labels"]!).map(Float.init), emotions: emotions, texts: texts)
    }
    return out
  }

  /// Unpadded sequences of one array key and how many non-finite values were zeroed.
  private static func sequences(
    _ part: PickleValue, key: String, trimPadding: Bool
  ) throws -> (FeatureSequences, Int) {
    let array = part[key]!.arrayValue!
    let (n, steps, width) = (array.shape[0], array.shape[1], array.shape[2])
    var values = try array.floats()
    let zeroed = zeroNonFinite(&values)
    var lengths: [Int]?
    if key == "text_bert" {
      // [N, 3, L]: the attention mask (row 1) sums to the true length.
      lengths = (0..<n).map { i in maskLength(values, row: i * 3 + 1, width: width) }
    } else if let given = part["\(key)_lengths"] {
      lengths = try integers(given)
    } else if key == "text", let bert = part["text_bert"]?.arrayValue, bert.shape == [n, 3, steps] {
      // MMSA's text features are computed from text_bert's tokens, one row per token, so the mask
      // gives their length (padding rows of BERT features need not be zero).
      let mask = try bert.floats()
      lengths = (0..<n).map { i in maskLength(mask, row: i * 3 + 1, width: steps) }
    }
    let dim = key == "text_bert" ? 3 : width
    var out = FeatureSequences(dim: dim)
    for i in 0..<n {
      if key == "text_bert" {
        let length = min(max(lengths![i], 0), width)
        var frames: [Float] = []
        frames.reserveCapacity(3 * length)
        for t in 0..<length {
          for row in 0..<3 { frames.append(values[(i * 3 + row) * width + t]) }
        }
        out.append(frames)
        continue
      }
      let base = i * steps * width
      var (first, last) = (0, steps)
      if let lengths {
        last = min(max(lengths[i], 0), steps)
      } else if trimPadding {
        let nonZero = (0..<steps).filter { t in (0..<width).contains { values[base + t * width + $0] != 0 } }
        (first, last) = nonZero.isEmpty ? (0, min(1, steps)) : (nonZero.first!, nonZero.last! + 1)
      }
      out.append(values[(base + first * width)..<(base + last * width)])
    }
    return (out, zeroed)
  }

  /// The sum of one attention-mask row, clamped to [0, width] (a damaged file cannot trap here).
  private static func maskLength(_ values: [Float], row: Int, width: Int) -> Int {
    let sum = values[(row * width)..<((row + 1) * width)].reduce(Float(0)) { $0 + ($1.isFinite ? $1 : 0) }
    return Int(min(max(sum, 0), Float(width)))
  }

  // MARK: - Values to Swift arrays

  /// Text of an object/str array or a list of str (bytes decoded as UTF-8).
  static func strings(_ value: PickleValue) throws -> [String] {
    switch value {
    case .array(let array): return try array.strings()
    case .list(let items), .tuple(let items):
      return try items.map { item in
        guard let text = item.stringValue else { throw PickleError("element is \(item.kindName), not a str") }
        return text
      }
    default: throw PickleError("\(value.kindName) is not a list of str")
    }
  }

  /// Numbers of a numeric array (flattened) or a list of numbers.
  static func numbers(_ value: PickleValue) throws -> [Double] {
    switch value {
    case .array(let array): return try array.doubles()
    case .list(let items), .tuple(let items):
      return try items.map { item in
        switch item {
        case .int(let i): return Double(i)
        case .float(let x): return x
        case .bool(let b): return b ? 1 : 0
        case .array(let a) where a.shape.isEmpty: return try a.doubles()[0]
        default: throw PickleError("element is \(item.kindName), not a number")
        }
      }
    default: throw PickleError("\(value.kindName) is not an array of numbers")
    }
  }

  /// Integers of an integer array or a list of ints.
  static func integers(_ value: PickleValue) throws -> [Int] {
    switch value {
    case .array(let array): return try array.integers()
    default:
      return try numbers(value).map { x in
        guard x.isFinite, x == x.rounded() else { throw PickleError("\(x) is not an integer") }
        return Int(x)
      }
    }
  }
}
