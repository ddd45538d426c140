// FilterParser: recursive descent over FilterLexer's tokens (grammar in RunFilter.swift).
import Data

struct FilterParser {
  let source: String
  private var tokens: [FilterToken] = []
  private var index = 0

  init(text: String) { source = text }

  mutating func parse() throws -> RunFilter.Node {
    tokens = try FilterLexer(source).tokens()
    guard tokens.count > 1 else { throw RunFilter.error("empty expression", source: source, position: 0) }
    let node = try parseOr()
    guard case .end = current.kind else {
      throw fail("expected 'and', 'or' or the end of the expression, found \(describe(current))")
    }
    return node
  }

  private var current: FilterToken { tokens[index] }

  private func fail(_ message: String, at token: FilterToken? = nil) -> TrackerError {
    RunFilter.error(message, source: source, position: (token ?? current).position)
  }

  private func describe(_ token: FilterToken) -> String {
    switch token.kind {
    case .word(let w): return "'\(w)'"
    case .quotedSegment(let s): return "`\(s)`"
    case .text(let s): return "'\(s)'"
    case .number(let n): return n
    case .symbol(let s): return "'\(s)'"
    case .json(let j): return j
    case .end: return "the end"
    }
  }

  private func isKeyword(_ token: FilterToken, _ keyword: String) -> Bool {
    if case .word(let w) = token.kind { return w.lowercased() == keyword }
    return false
  }

  private func isSymbol(_ token: FilterToken, _ symbol: String) -> Bool {
    if case .symbol(let s) = token.kind { return s == symbol }
    return false
  }

  private mutating func advance() -> FilterToken {
    let token = tokens[index]
    if index < tokens.count - 1 { index += 1 }
    return token
  }

  private mutating func parseOr() throws -> RunFilter.Node {
    var node = try parseAnd()
    while isKeyword(current, "or") {
      _ = advance()
      node = .or(node, try parseAnd())
    }
    return node
  }

  private mutating func parseAnd() throws -> RunFilter.Node {
    var node = try parseUnary()
    while isKeyword(current, "and") {
      _ = advance()
      node = .and(node, try parseUnary())
    }
    return node
  }

  private mutating func parseUnary() throws -> RunFilter.Node {
    if isKeyword(current, "not") {
      _ = advance()
      return .not(try parseUnary())
    }
    if isSymbol(current, "(") {
      _ = advance()
      let inner = try parseOr()
      guard isSymbol(current, ")") else { throw fail("expected ')', found \(describe(current))") }
      _ = advance()
      return inner
    }
    return try parseComparison()
  }

  private mutating func parseComparison() throws -> RunFilter.Node {
    let start = current
    let field = try parseField()
    let opToken = current
    var negated = false
    if isKeyword(current, "not") {
      negated = true
      _ = advance()
    }
    if isKeyword(current, "in") {
      _ = advance()
      guard isSymbol(current, "(") else { throw fail("expected '(' after in, found \(describe(current))") }
      _ = advance()
      var values = [try parseLiteral()]
      while isSymbol(current, ",") {
        _ = advance()
        values.append(try parseLiteral())
      }
      guard isSymbol(current, ")") else { throw fail("expected ',' or ')' in the in-list, found \(describe(current))") }
      _ = advance()
      return .comparison(field, negated ? .notIn : .in, values, position: start.position)
    }
    if isKeyword(current, "like") {
      _ = advance()
      let patternToken = current
      let pattern = try parseLiteral()
      guard case .text = pattern else { throw fail("like needs a quoted pattern such as 'mosi%'", at: patternToken) }
      return .comparison(field, negated ? .notLike : .like, [pattern], position: start.position)
    }
    if negated { throw fail("expected in or like after not", at: current) }
    guard case .symbol(let symbol) = opToken.kind, let op = Self.operators[symbol] else {
      throw fail(
        "expected a comparison (= != < <= > >= in like) after the field, found \(describe(opToken))", at: opToken)
    }
    _ = advance()
    return .comparison(field, op, [try parseLiteral()], position: start.position)
  }

  private static let operators: [String: RunFilter.Operator] = [
    "=": .equal, "==": .equal, "!=": .notEqual, "<>": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater,
    ">=": .greaterOrEqual,
  ]

  private mutating func parseField() throws -> RunFilter.Field {
    var segments: [String] = []
    repeat {
      if !segments.isEmpty { _ = advance() }  // the dot
      switch current.kind {
      case .word(let w): segments.append(w)
      case .quotedSegment(let s) where !s.isEmpty: segments.append(s)
      case .number(let n) where !segments.isEmpty && n.allSatisfy(\.isNumber): segments.append(n)
      default:
        throw fail(
          segments.isEmpty
            ? "expected a field (run.status, metrics.test.MAE, model.n_experts...), found \(describe(current))"
            : "expected a name after '.', found \(describe(current))")
      }
      _ = advance()
    } while isSymbol(current, ".")
    let head = segments[0].lowercased()
    if head == "run" && segments.count == 2 { return .run(segments[1].lowercased()) }
    if head == "metrics" {
      guard segments.count >= 3 else {
        throw fail("a metric is metrics.SPLIT.NAME, e.g. metrics.test.Non0_acc_2", at: tokens[max(0, index - 1)])
      }
      return .metric(split: segments[1], name: segments[2...].joined(separator: "."))
    }
    if head == "config" && segments.count >= 2 { return .config(segments[1...].joined(separator: ".")) }
    return .config(segments.joined(separator: "."))
  }

  private mutating func parseLiteral() throws -> RunFilter.Literal {
    let token = advance()
    switch token.kind {
    case .text(let s): return .text(s)
    case .number(let n):
      let cleaned = n.replacingOccurrences(of: "_", with: "")
      if let i = Int64(cleaned) { return .integer(i) }
      if let d = Double(cleaned), d.isFinite { return .real(d) }
      throw fail("\(n) is not a number", at: token)
    case .word(let w):
      switch w.lowercased() {
      case "true": return .bool(true)
      case "false": return .bool(false)
      case "null": return .null
      default: throw fail("expected a value, found \(describe(token)) (quote text: '\(w)')", at: token)
      }
    case .json(let j):
      do {
        return .json(try JSONValue(parsing: j).canonical)
      } catch {
        throw fail("\(j) is not a JSON list (\(error.message))", at: token)
      }
    default: throw fail("expected a value, found \(describe(token))", at: token)
    }
  }
}
