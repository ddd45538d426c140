// TextTable: rows of cells rendered as aligned plain text, a Markdown table or CSV (RFC 4180).

/// A table of text cells with a header row.
public struct TextTable: Sendable, Equatable {
  public var header: [String]
  public var rows: [[String]]
  /// Columns aligned to the right in plain text and Markdown (numbers).
  public var rightAligned: Set<Int>

  public init(header: [String], rows: [[String]] = [], rightAligned: Set<Int> = []) {
    self.header = header
    self.rows = rows
    self.rightAligned = rightAligned
  }

  /// Columns padded to their widest cell and separated by two spaces; no trailing spaces.
  public func plain() -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in
      all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
    }
    return all.map { row in
      header.indices.map { column -> String in
        let cell = row.indices.contains(column) ? row[column] : ""
        let pad = String(repeating: " ", count: widths[column] - cell.count)
        return rightAligned.contains(column) ? pad + cell : cell + pad
      }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }.joined(separator: "\n") + "\n"
  }

  /// A GitHub-flavoured Markdown table; pipes in cells are escaped, newlines become spaces.
  public func markdown() -> String {
    func cell(_ text: String) -> String {
      text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
    var lines = ["| " + header.map(cell).joined(separator: " | ") + " |"]
    lines.append(
      "|" + header.indices.map { rightAligned.contains($0) ? " ---: " : " --- " }.joined(separator: "|") + "|")
    for row in rows {
      lines.append(
        "| " + header.indices.map { row.indices.contains($0) ? cell(row[$0]) : "" }.joined(separator: " | ") + " |")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// CSV: cells with commas, quotes or line breaks are quoted, quotes doubled.
  public func csv() -> String {
    func cell(_ text: String) -> String {
      guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
      return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return ([header] + rows).map { $0.map(cell).joined(separator: ",") }.joined(separator: "\n") + "\n"
  }
}
