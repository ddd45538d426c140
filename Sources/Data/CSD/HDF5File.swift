// A small read-only face over libhdf5 for what computational sequences need: list a group's
// children, tell groups from datasets, read numeric datasets (converted by HDF5 to float or double)
// and string datasets (variable or fixed length). The serial libhdf5 is not thread-safe, so every
// use goes through `HDF5File.withFile`, which holds one process-wide lock while the file is open.
import CHDF5
import Foundation
import Synchronization

private let libraryLock = Mutex<Void>(())

/// An HDF5 file open for reading; only valid inside `HDF5File.withFile`.
final class HDF5File {
  let origin: String
  private let file: hid_t

  private init(origin: String, file: hid_t) {
    self.origin = origin
    self.file = file
  }

  /// Opens `path` read-only, runs `body` under the library lock, and closes the file.
  /// - Throws: `DataError` naming the file when it is missing or not readable HDF5 (a truncated
  ///   file fails here: its superblock records a longer end of file).
  static func withFile<T>(path: String, _ body: (HDF5File) throws -> T) throws -> T {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
      throw DataError("\(path): file not found")
    }
    return try libraryLock.withLock { _ in
      H5open()
      H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)  // errors come back as codes, not printed by the library
      let id = H5Fopen(path, 0 /* H5F_ACC_RDONLY */, mmolre_h5p_default())
      guard id >= 0 else {
        throw DataError("\(path): not a readable HDF5 file; it may be truncated or still downloading")
      }
      let file = HDF5File(origin: path, file: id)
      defer { H5Fclose(id) }
      return try body(file)
    }
  }

  enum Kind { case group, dataset, other }

  /// What the object at `path` is, or nil when there is none.
  func kind(_ path: String) -> Kind? {
    guard path == "/" || H5Lexists(file, path, mmolre_h5p_default()) > 0 else { return nil }
    var info = H5O_info_t()
    guard H5Oget_info_by_name2(file, path, &info, UInt32(H5O_INFO_BASIC), mmolre_h5p_default()) >= 0 else {
      return nil
    }
    switch info.type {
    case H5O_TYPE_GROUP: return .group
    case H5O_TYPE_DATASET: return .dataset
    default: return .other
    }
  }

  /// Names of a group's links in name order.
  func children(_ path: String) throws -> [String] {
    let group = H5Gopen2(file, path, mmolre_h5p_default())
    guard group >= 0 else { throw DataError("\(origin): \(path) is not a readable group; the file may be truncated") }
    defer { H5Gclose(group) }
    var info = H5G_info_t()
    guard H5Gget_info(group, &info) >= 0 else { throw DataError("\(origin): cannot list \(path)") }
    return try (0..<info.nlinks).map { i in
      let size = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, mmolre_h5p_default())
      guard size >= 0 else { throw DataError("\(origin): cannot list \(path); the file may be truncated") }
      var buffer = [CChar](repeating: 0, count: Int(size) + 1)
      _ = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, mmolre_h5p_default())
      return String(decoding: buffer.prefix(Int(size)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
  }

  /// A dataset's shape and whether it holds strings, without reading it.
  func describe(_ path: String) throws -> (shape: [Int], isString: Bool) {
    try withDataset(path) { dataset, space in
      let type = H5Dget_type(dataset)
      defer { H5Tclose(type) }
      return (try shape(space, path), H5Tget_class(type) == H5T_STRING)
    }
  }

  /// A numeric dataset converted to `Float` (row-major), with its shape.
  func readFloats(_ path: String) throws -> (shape: [Int], values: [Float]) {
    try readNumbers(path, memoryType: mmolre_h5t_native_float(), zero: Float(0))
  }

  /// A numeric dataset converted to `Double` (row-major), with its shape.
  func readDoubles(_ path: String) throws -> (shape: [Int], values: [Double]) {
    try readNumbers(path, memoryType: mmolre_h5t_native_double(), zero: Double(0))
  }

  /// A string dataset (variable- or fixed-length), flattened.
  func readStrings(_ path: String) throws -> [String] {
    try withDataset(path) { dataset, space in
      let fileType = H5Dget_type(dataset)
      defer { H5Tclose(fileType) }
      guard H5Tget_class(fileType) == H5T_STRING else { throw DataError("\(origin): \(path) does not hold strings") }
      let count = try shape(space, path).reduce(1, *)
      guard count > 0 else { return [] }
      let memoryType = H5Tget_native_type(fileType, H5T_DIR_ASCEND)
      defer { H5Tclose(memoryType) }
      if H5Tis_variable_str(fileType) > 0 {
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        let status = pointers.withUnsafeMutableBytes {
          H5Dread(dataset, memoryType, mmolre_h5s_all(), mmolre_h5s_all(), mmolre_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw unreadable(path) }
        defer {
          _ = pointers.withUnsafeMutableBytes {
            H5Dvlen_reclaim(memoryType, space, mmolre_h5p_default(), $0.baseAddress)
          }
        }
        return pointers.map { $0.map { String(cString: $0) } ?? "" }
      }
      let width = H5Tget_size(fileType)
      guard width > 0, width < 1 << 24 else { throw DataError("\(origin): \(path) has strings of \(width) bytes") }
      var bytes = [UInt8](repeating: 0, count: count * width)
      let status = bytes.withUnsafeMutableBytes {
        H5Dread(dataset, memoryType, mmolre_h5s_all(), mmolre_h5s_all(), mmolre_h5p_default(), $0.baseAddress)
      }
      guard status >= 0 else { throw unreadable(path) }
      return (0..<count).map { k in
        let item = bytes[(k * width)..<((k + 1) * width)]
        return String(decoding: item.prefix { $0 != 0 }, as: UTF8.self)
      }
    }
  }

  private func readNumbers<T>(_ path: String, memoryType: hid_t, zero: T) throws -> (shape: [Int], values: [T]) {
    try withDataset(path) { dataset, space in
      let type = H5Dget_type(dataset)
      let typeClass = H5Tget_class(type)
      H5Tclose(type)
      guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
        throw DataError("\(origin): \(path) is not numeric")
      }
      let dims = try shape(space, path)
      let count = dims.reduce(1, *)
      var values = [T](repeating: zero, count: count)
      if count > 0 {
        let status = values.withUnsafeMutableBytes {
          H5Dread(dataset, memoryType, mmolre_h5s_all(), mmolre_h5s_all(), mmolre_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw unreadable(path) }
      }
      return (dims, values)
    }
  }

  private func withDataset<T>(_ path: String, _ body: (hid_t, hid_t) throws -> T) throws -> T {
    let dataset = H5Dopen2(file, path, mmolre_h5p_default())
    guard dataset >= 0 else {
      throw DataError("\(origin): \(path) is not a readable dataset; the file may be truncated")
    }
    defer { H5Dclose(dataset) }
    let space = H5Dget_space(dataset)
    guard space >= 0 else { throw unreadable(path) }
    defer { H5Sclose(space) }
    return try body(dataset, space)
  }

  private func shape(_ space: hid_t, _ path: String) throws -> [Int] {
    let rank = H5Sget_simple_extent_ndims(space)
    guard rank >= 0, rank <= 32 else { throw unreadable(path) }
    var dims = [hsize_t](repeating: 0, count: Int(rank))
    guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { throw unreadable(path) }
    var total = 1
    for d in dims {
      let (product, overflow) = total.multipliedReportingOverflow(by: Int(clamping: d))
      guard !overflow, product < 1 << 34 else { throw DataError("\(origin): \(path) has an implausible shape \(dims)") }
      total = product
    }
    return dims.map { Int($0) }
  }

  private func unreadable(_ path: String) -> DataError {
    DataError("\(origin): cannot read \(path); the file may be truncated or damaged")
  }
}
