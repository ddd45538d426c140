// From `data.feature_dirs` to an opened, checked feature cache (the reference's `load_table`, cff5b35
// `data/label_table.py`): `{name}` in the folder becomes the dataset name; a relative folder that does
// not exist from the working folder is looked for beside the label table; a cache that is missing, or
// was made with another encoder, max_length or table, is one error that says which command builds it.
import Data
import Foundation

enum FeatureCacheLocator {
  /// The folder `template` names for dataset `name`.
  static func folder(template: String, name: String, besides file: String) -> String {
    let path = template.replacingOccurrences(of: "{name}", with: name)
    if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) { return path }
    let beside = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
    return FileManager.default.fileExists(atPath: beside) ? beside : path
  }

  /// The cache of `modality` for label table `table`, checked against the config.
  /// - Throws: `ConfigError` when `data.feature_dirs` names no folder for the modality; `DataError`
  ///   naming the folder when the cache is missing, unfinished or made with other settings (with the
  ///   `mmolre features extract` command that builds it).
  static func open(
    modality: String, config: RunConfig, table: String, textFrom: String?, name: String
  ) throws -> FeatureCache {
    guard let template = config.data.featureDirs[modality] else {
      throw ConfigError(
        "data.feature_dirs.\(modality): no feature cache named for modality \(modality) of \(table) (model.modalities "
          + "has it); e.g. --set 'data.feature_dirs={\"\(modality)\": \"cache/{name}_minilm\"}'")
    }
    let folder = folder(template: template, name: name, besides: table)
    let command = extractCommand(config: config, table: table, textFrom: textFrom, folder: folder)
    let manifest = folder + "/" + FeatureCacheManifest.fileName
    guard FileManager.default.fileExists(atPath: manifest) else {
      guard modality == "text" else {
        throw DataError(
          "\(folder): no \(modality) feature cache of \(table) (no \(FeatureCacheManifest.fileName)); "
            + "mmolre features extract builds text caches only")
      }
      throw DataError(
        "\(folder): the text feature cache of \(table) has not been built yet; build it with `\(command)`")
    }
    let cache = try FeatureCache.open(folder: folder)
    let tableHash = try FeatureExtraction.fileSHA256(table)
    var wanted: FeatureCacheSettings
    if modality == "text" {
      let encoder = try KnownEncoder.named(config.features.textEncoder)
      wanted = FeatureCacheSettings(
        encoder: encoder.name, encoderSHA256: encoder.model.sha256, maxLength: config.features.textMaxLength,
        labelTableSHA256: tableHash, textFromSHA256: try textFrom.map(FeatureExtraction.fileSHA256))
    } else {
      // Another modality's cache depends on its own extractor; only its modality and table are checked.
      wanted = cache.manifest.settings
      wanted.labelTableSHA256 = tableHash
    }
    wanted.modality = modality
    try cache.check(wanted, fix: "Rebuild it with `\(command) --overwrite`.")
    return cache
  }

  /// The command that builds the text cache the config asks for.
  static func extractCommand(config: RunConfig, table: String, textFrom: String?, folder: String) -> String {
    var command = "mmolre features extract \(table)"
    if let textFrom { command += " --text-from \(textFrom)" }
    command += " --out \(folder)"
    if let encoder = try? KnownEncoder.named(config.features.textEncoder), encoder != KnownEncoder.miniLM {
      command += " --encoder \(encoder.shortName)"
    }
    if config.features.textMaxLength != 64 { command += " --max-length \(config.features.textMaxLength)" }
    return command
  }
}
