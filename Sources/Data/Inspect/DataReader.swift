// One entry point from a file to splits and to a list of problems, whatever the format: what
// `mmolre data inspect|validate` call (the reference's `formats.read_path` and
// `inspect.find_problems`). Every option is an explicit value; configs stay in Training.
import Foundation

/// Reads any supported file into splits, or lists its problems.
public enum DataReader {
  /// Options that apply to some formats.
  public struct Options: Sendable {
    /// Dataset name of every sample; default guessed from the file (`mosi`, `mosei`).
    public var name: String?
    /// MMSA pickles: `text` or `text_bert`.
    public var textField: String
    /// A file of emotion labels to join (`EmotionLabels`): by clip id for pickles (an MMSA-layout
    /// table); by id, SDK index or interval for label tables; by SDK index or interval for `.csd`.
    public var emotions: String?
    /// Label tables: a second table whose transcripts fill the empty ones.
    public var textFrom: String?
    /// `.csd`: a folds JSON; default the file's own splits, else the shared standard folds.
    public var folds: String?
    /// `.csd`: feature sequences to align, modality -> path, in model order.
    public var features: [(modality: String, path: String)]

    public init(
      name: String? = nil, textField: String = "text", emotions: String? = nil, textFrom: String? = nil,
      folds: String? = nil, features: [(modality: String, path: String)] = []
    ) {
      self.name = name
      self.textField = textField
      self.emotions = emotions
      self.textFrom = textFrom
      self.folds = folds
      self.features = features
    }
  }

  /// Reads a label table, MMSA pickle or label `.csd` into splits.
  /// - Throws: `DataError` naming the file and the problem.
  public static func read(path: String, format: DataFormat? = nil, options: Options = Options()) throws
    -> LoadedSplits
  {
    let format = try format ?? DataFormat.detect(path: path)
    let source = options.name ?? DataConventions.guessSource(path: path)
    switch format {
    case .table:
      var table = try LabelTable.load(path: path)
      if let emotions = options.emotions {
        table = try table.attachingEmotions(from: EmotionLabels.load(path: emotions))
      }
      if let textFrom = options.textFrom {
        table = table.fillingEmptyTexts(
          from: try LabelTable.load(path: textFrom, requireSplits: [], dropUnsplit: false))
      }
      return try table.splits(source: source)
    case .mmsa:
      var loaded = try MMSAPickle.load(path: path, source: source, textField: options.textField)
      if let emotions = options.emotions { try loaded.joinEmotions(from: EmotionLabels.load(path: emotions)) }
      return loaded
    case .csd:
      return try CSDLoader.load(
        labels: path, features: options.features, source: options.name,
        folds: options.folds.map { try StandardFolds.load(path: $0) },
        emotions: options.emotions.map { try EmotionLabels.load(path: $0) })
    }
  }

  /// Every problem found in a file, one line each naming it; empty when the file reads cleanly and
  /// has three non-empty splits. Label tables and pickles list all their problems at once; other
  /// failures give the one error the reader stopped at.
  public static func problems(path: String, format given: DataFormat? = nil, options: Options = Options()) -> [String] {
    let format: DataFormat
    do {
      format = try given ?? DataFormat.detect(path: path)
    } catch {
      return ["\(error)"]
    }
    var problems: [String] = []
    switch format {
    case .table: problems = LabelTable.problems(path: path)
    case .mmsa: problems = MMSAPickle.problems(path: path, textField: options.textField)
    case .csd:
      if (try? isFeatureSequence(path: path)) == true {
        do {
          _ = try ComputationalSequence.read(path: path)
          return []
        } catch {
          return ["\(error)"]
        }
      }
    }
    if !problems.isEmpty { return problems }
    do {
      let loaded = try read(path: path, format: format, options: options)
      for split in DataConventions.splits where (loaded[split]?.count ?? 0) == 0 {
        problems.append("\(path): split \(split) is missing or empty")
      }
    } catch {
      problems.append("\(error)")
    }
    return problems
  }

  /// Whether a `.csd` holds features (COVAREP, FACET, words) rather than labels: the reference's
  /// writer names the modality in its metadata; otherwise neither the file name nor the root name
  /// mentions labels.
  public static func isFeatureSequence(path: String) throws -> Bool {
    let (root, metadata) = try ComputationalSequence.readMetadata(path: path)
    if metadata["mmolre modality"] != nil { return true }
    let names = ((path as NSString).lastPathComponent + " " + root).lowercased()
    return !names.contains("label")
  }
}
