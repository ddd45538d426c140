// PredictionRows: per-sample predictions of one split, kept so metrics can be recomputed exactly and
// seeds compared sample by sample.

/// A column table of per-sample values: one id per sample and named float64 columns of the same
/// length (for example `sa_label`, `sa_pred`, `er_label.happy`, `er_prob.happy`). Column order is kept.
public struct PredictionRows: Sendable, Equatable {
  /// One id per sample (a clip id, `dataset/clip` for joint data).
  public var ids: [String]
  /// Named columns, each `ids.count` long.
  public var columns: [(name: String, values: [Double])]

  /// - Precondition: every column has `ids.count` values and names are distinct (checked by the store
  ///   when written, with an error naming the column).
  public init(ids: [String], columns: [(name: String, values: [Double])]) {
    self.ids = ids
    self.columns = columns
  }

  /// The column named `name`, or nil.
  public func column(_ name: String) -> [Double]? {
    columns.first(where: { $0.name == name })?.values
  }

  public static func == (lhs: PredictionRows, rhs: PredictionRows) -> Bool {
    lhs.ids == rhs.ids && lhs.columns.count == rhs.columns.count
      && zip(lhs.columns, rhs.columns).allSatisfy {
        $0.name == $1.name && $0.values.count == $1.values.count
          && zip($0.values, $1.values).allSatisfy { a, b in a == b || (a.isNaN && b.isNaN) }
      }
  }
}
