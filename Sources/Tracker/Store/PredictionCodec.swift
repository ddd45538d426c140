// PredictionCodec: PredictionRows as the bytes of a safetensors file (one float64 tensor [N] per
// column; metadata `ids`: the sample ids as a JSON list, `columns`: the column order as a JSON list), so
// a stored prediction table is also readable by any safetensors reader.
import Data

enum PredictionCodec {
  static func encode(_ rows: PredictionRows, origin: String) throws -> [UInt8] {
    var tensors: [String: SafetensorsTensor] = [:]
    for (name, values) in rows.columns {
      guard values.count == rows.ids.count else {
        throw TrackerError(.usage, "\(origin): column \(name) has \(values.count) values for \(rows.ids.count) ids")
      }
      guard tensors[name] == nil else { throw TrackerError(.usage, "\(origin): column \(name) given twice") }
      tensors[name] = SafetensorsTensor(shape: [values.count], values: values, dtype: .f64)
    }
    let metadata = [
      "ids": JSONValue.array(rows.ids.map { .string($0) }).compact,
      "columns": JSONValue.array(rows.columns.map { .string($0.name) }).compact,
    ]
    return SafetensorsFile(tensors: tensors, metadata: metadata).serialized()
  }

  static func decode(_ bytes: [UInt8], origin: String) throws -> PredictionRows {
    let file = try SafetensorsFile(bytes: bytes, origin: origin)
    guard let idsText = file.metadata["ids"], let columnsText = file.metadata["columns"],
      let ids = try JSONValue(parsing: idsText).arrayValue?.compactMap(\.stringValue),
      let names = try JSONValue(parsing: columnsText).arrayValue?.compactMap(\.stringValue)
    else { throw TrackerError(.data, "\(origin): predictions without ids or columns metadata") }
    let columns = try names.map { name in
      (name: name, values: try file.tensor(name, origin: origin).values(as: Double.self))
    }
    return PredictionRows(ids: ids, columns: columns)
  }
}
