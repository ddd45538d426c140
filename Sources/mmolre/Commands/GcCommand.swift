// `mmolre gc`: delete weight blobs nothing refers to, then compact the store file.
import Tracker

enum GcCommand: Command {
  static let name = "gc"
  static let summary = "delete unreferenced weight blobs and compact the store"
  static let help = """
    Usage: mmolre gc [--no-vacuum] [--store PATH]

    Deletes blobs (weights, training state) that no checkpoint and no registered model refers to, then
    checkpoints the WAL and rewrites the file (VACUUM) so the freed space goes back to the file system.
    VACUUM holds the store's write lock while it runs: training processes wait for it.
    """
  static let options: [OptionSpec] = [
    .flag("no-vacuum", "only delete blobs; leave the file's size as it is"),
    StoreAccess.option,
  ]

  static func run(_ arguments: Arguments) throws {
    let store = try StoreAccess.open(arguments)
    let report = try store.collectGarbage(vacuum: !arguments.flag("no-vacuum"))
    print(
      "deleted \(report.blobsDeleted) unreferenced blob\(report.blobsDeleted == 1 ? "" : "s") "
        + "(\(report.blobBytesDeleted) bytes); store \(report.bytesBefore) -> \(report.bytesAfter) bytes")
  }
}
