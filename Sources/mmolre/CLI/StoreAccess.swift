// StoreAccess: the `--store` option every store command takes, and opening the store it names.
import Tracker

enum StoreAccess {
  static let option = OptionSpec.value(
    "store", "PATH", "the store file (default: $\(Store.environmentVariable), else ./\(Store.defaultFileName))")

  /// Opens the store named by `--store`, `$MMOLRE_STORE` or the default; `create` allows a new file.
  /// Says on stderr when an older store was upgraded and where its backup went.
  static func open(_ arguments: Arguments, create: Bool = false) throws -> Store {
    let store = try Store.open(path: Store.resolvePath(explicit: arguments.value("store")), create: create)
    if let backup = store.backupPath {
      printError("mmolre: upgraded \(store.path) to this version's schema; the old store was copied to \(backup)")
    }
    return store
  }
}
