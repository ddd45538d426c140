// RunFilter: the `--where` language, parsed into a tree (compiled to SQL by FilterCompiler).
//
// Grammar (keywords case-insensitive):
//   expr       := conj ('or' conj)*
//   conj       := unary ('and' unary)*
//   unary      := 'not' unary | '(' expr ')' | comparison
//   comparison := field op literal | field ['not'] 'in' '(' literal (',' literal)* ')'
//               | field ['not'] 'like' string
//   op         := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
//   field      := segment ('.' segment)*   segment := [A-Za-z_][A-Za-z0-9_-]* | `any text but backticks`
//   literal    := number | 'text' | "text" | true | false | null | [JSON list]
// Fields: run.<status|name|seed|experiment|tag|id|host|note|...>, metrics.<split>.<metric>, a config key
// (`model.n_experts`, or `config.<key>` when the key starts with run or metrics).
import Data

/// A parsed `--where` expression.
public struct RunFilter: Sendable {
  /// A field an expression can test.
  public enum Field: Sendable, Equatable {
    case run(String)
    case metric(split: String, name: String)
    case config(String)
  }

  /// A literal on the right of a comparison.
  public enum Literal: Sendable, Equatable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)
    case null
    /// A JSON list or object, kept as canonical JSON (how list params are stored).
    case json(String)
  }

  public enum Operator: String, Sendable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case `in` = "in"
    case notIn = "not in"
    case like = "like"
    case notLike = "not like"
  }

  public indirect enum Node: Sendable {
    case and(Node, Node)
    case or(Node, Node)
    case not(Node)
    /// `position` is the field's character offset in the expression, for errors.
    case comparison(Field, Operator, [Literal], position: Int)
  }

  public let root: Node

  /// Parses `text`.
  /// - Throws: `TrackerError` `.usage` showing the expression with a caret under the problem.
  public init(parsing text: String) throws {
    var parser = FilterParser(text: text)
    root = try parser.parse()
  }

  /// An error message pointing at `position` (a character offset) of `source`.
  static func error(_ message: String, source: String, position: Int) -> TrackerError {
    let caret = String(repeating: " ", count: max(0, min(position, source.count))) + "^"
    return TrackerError(.usage, "--where: \(message) at position \(position + 1)\n  \(source)\n  \(caret)")
  }
}

/// Tokens of the `--where` language with their character offsets.
struct FilterToken: Equatable {
  enum Kind: Equatable {
    case word(String)  // identifiers and keywords, as written
    case quotedSegment(String)  // `...`
    case text(String)
    case number(String)
    case symbol(String)  // ( ) , . = != <> < <= > >= ==
    case json(String)
    case end
  }
  let kind: Kind
  let position: Int
}

struct FilterLexer {
  let characters: [Character]
  let source: String

  init(_ source: String) {
    self.source = source
    characters = Array(source)
  }

  func tokens() throws -> [FilterToken] {
    var out: [FilterToken] = []
    var i = 0
    while i < characters.count {
      let c = characters[i]
      if c.isWhitespace {
        i += 1
        continue
      }
      let start = i
      if c == "'" || c == "\"" {
        var value = ""
        i += 1
        var closed = false
        while i < characters.count {
          if characters[i] == c {
            if i + 1 < characters.count, characters[i + 1] == c {  // a doubled quote is one quote
              value.append(c)
              i += 2
              continue
            }
            closed = true
            i += 1
            break
          }
          if characters[i] == "\\", i + 1 < characters.count, characters[i + 1] == c || characters[i + 1] == "\\" {
            value.append(characters[i + 1])
            i += 2
            continue
          }
          value.append(characters[i])
          i += 1
        }
        guard closed else { throw RunFilter.error("unterminated string", source: source, position: start) }
        out.append(FilterToken(kind: .text(value), position: start))
      } else if c == "`" {
        guard let close = characters[(i + 1)...].firstIndex(of: "`") else {
          throw RunFilter.error("unterminated `quoted` name", source: source, position: start)
        }
        out.append(FilterToken(kind: .quotedSegment(String(characters[(i + 1)..<close])), position: start))
        i = close + 1
      } else if c == "[" {
        i = try scanJSON(from: i)
        out.append(FilterToken(kind: .json(String(characters[start..<i])), position: start))
      } else if c.isNumber
        || ((c == "-" || c == "+" || c == ".") && i + 1 < characters.count && characters[i + 1].isNumber
          && !(out.last.map(Self.endsOperand) ?? false))
      {
        i += 1
        while i < characters.count {
          let d = characters[i]
          if d.isNumber || d == "." || d == "_" {
            i += 1
          } else if d == "e" || d == "E" {
            i += 1
            if i < characters.count, characters[i] == "-" || characters[i] == "+" { i += 1 }
          } else {
            break
          }
        }
        out.append(FilterToken(kind: .number(String(characters[start..<i])), position: start))
      } else if c.isLetter || c == "_" {
        while i < characters.count, characters[i].isLetter || characters[i].isNumber || "_-".contains(characters[i]) {
          i += 1
        }
        out.append(FilterToken(kind: .word(String(characters[start..<i])), position: start))
      } else {
        let two = i + 1 < characters.count ? String(characters[i...(i + 1)]) : ""
        if ["!=", "<>", "<=", ">=", "=="].contains(two) {
          out.append(FilterToken(kind: .symbol(two), position: start))
          i += 2
        } else if "()=<>,.".contains(c) {
          out.append(FilterToken(kind: .symbol(String(c)), position: start))
          i += 1
        } else {
          throw RunFilter.error("unexpected character \(c)", source: source, position: start)
        }
      }
    }
    out.append(FilterToken(kind: .end, position: characters.count))
    return out
  }

  /// Whether a token ends an operand (so a following `-1`... is still a number after an operator only).
  private static func endsOperand(_ token: FilterToken) -> Bool {
    switch token.kind {
    case .word, .quotedSegment, .text, .number, .json: return true
    case .symbol(let s): return s == ")"
    case .end: return false
    }
  }

  /// The index just past a bracketed JSON list starting at `start`, strings skipped.
  private func scanJSON(from start: Int) throws -> Int {
    var depth = 0
    var i = start
    var inString = false
    while i < characters.count {
      let c = characters[i]
      if inString {
        if c == "\\" {
          i += 1
        } else if c == "\"" {
          inString = false
        }
      } else if c == "\"" {
        inString = true
      } else if c == "[" || c == "{" {
        depth += 1
      } else if c == "]" || c == "}" {
        depth -= 1
        if depth == 0 { return i + 1 }
      }
      i += 1
    }
    throw RunFilter.error("unterminated [list]", source: source, position: start)
  }
}
