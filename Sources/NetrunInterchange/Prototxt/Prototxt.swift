// Protocol buffers' text format (Caffe's .prototxt), read by hand so that every field name
// and value keeps its line and column: the importer's diagnostics point into the prototxt
// the way `netrun validate` points into YAML. (swift-protobuf's TextFormat decoder with a
// generated caffe.proto would give typed messages but no positions, and would stop at the
// first field it does not know rather than let the importer say which construct it cannot
// translate.)
import NetrunConfig

/// One scalar of a prototxt: a string (quotes removed, escapes resolved), a number, or an
/// identifier (an enum value, `true`, `false`), with where it was written.
public struct PrototxtScalar: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case string, number, identifier }
    public var kind: Kind
    public var text: String
    public var location: SourceLocation
}

/// A field's value: a scalar or a nested message.
public enum PrototxtValue: Hashable, Sendable {
    case scalar(PrototxtScalar)
    case message(PrototxtMessage)

    public var location: SourceLocation {
        switch self {
        case .scalar(let s): return s.location
        case .message(let m): return m.location
        }
    }
}

public struct PrototxtField: Hashable, Sendable {
    public var name: Located<String>
    public var value: PrototxtValue
}

/// A message: its fields in the order written (a repeated field appears once per value).
public struct PrototxtMessage: Hashable, Sendable {
    public var fields: [PrototxtField]
    /// The opening brace (the file's start for the top level).
    public var location: SourceLocation

    public func all(_ name: String) -> [PrototxtField] { fields.filter { $0.name.value == name } }
    public func first(_ name: String) -> PrototxtField? { fields.first { $0.name.value == name } }
    public func has(_ name: String) -> Bool { first(name) != nil }
}

/// The parser: `Prototxt.parse(text, file:)` gives the top-level message or throws the first
/// syntax error, positioned.
public enum Prototxt {
    public static func parse(_ text: String, file: String) throws(ConfigError) -> PrototxtMessage {
        var p = Parser(Array(text.unicodeScalars), file: file)
        return try p.parseTop()
    }

    struct Parser {
        let chars: [Unicode.Scalar]
        let file: String
        var i = 0, line = 1, column = 1
        /// Nesting depth, bounded so that a hostile file cannot exhaust the stack.
        var depth = 0
        static let maxDepth = 64

        init(_ chars: [Unicode.Scalar], file: String) {
            self.chars = chars
            self.file = file
        }

        var here: SourceLocation { SourceLocation(file: file, line: line, column: column) }

        func fail(_ message: String, at location: SourceLocation? = nil) -> ConfigError {
            ConfigError(.error(message, at: location ?? here))
        }

        mutating func advance() {
            if chars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
            i += 1
        }

        /// Skips white space, `#` comments and the optional `,` or `;` between fields.
        mutating func skipSpace(separators: Bool = false) {
            while i < chars.count {
                let c = chars[i]
                if c == "#" {
                    while i < chars.count, chars[i] != "\n" { advance() }
                } else if c == " " || c == "\t" || c == "\n" || c == "\r" || (separators && (c == "," || c == ";")) {
                    advance()
                } else {
                    return
                }
            }
        }

        static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool { c == "_" || (c.isASCII && c.properties.isAlphabetic) }
        static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || ("0" ... "9").contains(c) }

        mutating func parseTop() throws(ConfigError) -> PrototxtMessage {
            let start = SourceLocation(file: file, line: 1, column: 1)
            let fields = try parseFields(until: nil)
            return PrototxtMessage(fields: fields, location: start)
        }

        /// Fields up to `close` (or the end of the file at the top level).
        mutating func parseFields(until close: Unicode.Scalar?) throws(ConfigError) -> [PrototxtField] {
            var fields: [PrototxtField] = []
            while true {
                skipSpace(separators: true)
                guard i < chars.count else {
                    if let close { throw fail("the file ends inside a message: expected '\(close)'") }
                    return fields
                }
                if let close, chars[i] == close {
                    advance()
                    return fields
                }
                fields += try parseField()
            }
        }

        /// `name: value`, `name { ... }`, `name: { ... }` or `name: [v, v, ...]` (one field per value).
        mutating func parseField() throws(ConfigError) -> [PrototxtField] {
            let at = here
            guard Self.isIdentifierStart(chars[i]) else {
                throw fail("expected a field name, found '\(Character(chars[i]))'")
            }
            var name = ""
            while i < chars.count, Self.isIdentifierPart(chars[i]) { name.unicodeScalars.append(chars[i]); advance() }
            let located = Located(name, at: at)
            skipSpace()
            guard i < chars.count else { throw fail("the file ends after the field name '\(name)'") }
            var colon = false
            if chars[i] == ":" {
                colon = true
                advance()
                skipSpace()
                guard i < chars.count else { throw fail("the file ends after '\(name):'; expected a value") }
            }
            if chars[i] == "{" || chars[i] == "<" {
                return [PrototxtField(name: located, value: .message(try parseMessage()))]
            }
            guard colon else { throw fail("expected ':' or '{' after the field name '\(name)'") }
            if chars[i] == "[" {
                advance()
                var values: [PrototxtField] = []
                while true {
                    skipSpace()
                    guard i < chars.count else { throw fail("the file ends inside a list: expected ']'") }
                    if chars[i] == "]" { advance(); return values }
                    if !values.isEmpty {
                        guard chars[i] == "," else { throw fail("expected ',' or ']' in the list of '\(name)'") }
                        advance()
                        skipSpace()
                        guard i < chars.count else { throw fail("the file ends inside a list: expected ']'") }
                    }
                    let value: PrototxtValue = chars[i] == "{" || chars[i] == "<" ? .message(try parseMessage()) : .scalar(try parseScalar())
                    values.append(PrototxtField(name: located, value: value))
                }
            }
            return [PrototxtField(name: located, value: .scalar(try parseScalar()))]
        }

        mutating func parseMessage() throws(ConfigError) -> PrototxtMessage {
            let at = here
            let close: Unicode.Scalar = chars[i] == "{" ? "}" : ">"
            depth += 1
            guard depth <= Self.maxDepth else { throw fail("messages nested deeper than \(Self.maxDepth) levels") }
            advance()
            let fields = try parseFields(until: close)
            depth -= 1
            return PrototxtMessage(fields: fields, location: at)
        }

        mutating func parseScalar() throws(ConfigError) -> PrototxtScalar {
            let at = here
            let c = chars[i]
            if c == "\"" || c == "'" {
                // Adjacent strings are one string, as in C.
                var text = ""
                while i < chars.count, chars[i] == "\"" || chars[i] == "'" {
                    text += try parseString()
                    skipSpace()
                }
                return PrototxtScalar(kind: .string, text: text, location: at)
            }
            if c == "-" || c == "+" || c == "." || ("0" ... "9").contains(c) {
                var text = ""
                text.unicodeScalars.append(c)
                advance()
                while i < chars.count, Self.isIdentifierPart(chars[i]) || chars[i] == "." || ((chars[i] == "-" || chars[i] == "+") && (text.last == "e" || text.last == "E")) {
                    text.unicodeScalars.append(chars[i])
                    advance()
                }
                guard Self.number(text) != nil else { throw fail("'\(text)' is not a number", at: at) }
                return PrototxtScalar(kind: .number, text: text, location: at)
            }
            if Self.isIdentifierStart(c) {
                var text = ""
                while i < chars.count, Self.isIdentifierPart(chars[i]) { text.unicodeScalars.append(chars[i]); advance() }
                return PrototxtScalar(kind: .identifier, text: text, location: at)
            }
            throw fail("expected a value (a number, a string or a name), found '\(Character(c))'")
        }

        mutating func parseString() throws(ConfigError) -> String {
            let at = here
            let quote = chars[i]
            advance()
            var out = ""
            while true {
                guard i < chars.count, chars[i] != "\n" else { throw fail("this string is not closed on its line", at: at) }
                let c = chars[i]
                advance()
                if c == quote { return out }
                guard c == "\\" else { out.unicodeScalars.append(c); continue }
                guard i < chars.count else { throw fail("this string is not closed", at: at) }
                let e = chars[i]
                advance()
                switch e {
                case "n": out += "\n"
                case "t": out += "\t"
                case "r": out += "\r"
                case "\\", "\"", "'": out.unicodeScalars.append(e)
                default: out.unicodeScalars.append(e)
                }
            }
        }

        /// The value of a prototxt number (decimal, hexadecimal, float with an optional `f`
        /// suffix, `inf`, `nan`), or nil.
        static func number(_ text: String) -> Double? {
            var t = text.lowercased()
            var sign = 1.0
            if t.hasPrefix("-") { sign = -1; t.removeFirst() } else if t.hasPrefix("+") { t.removeFirst() }
            if t.hasPrefix("0x"), let v = UInt64(t.dropFirst(2), radix: 16) { return sign * Double(v) }
            if t == "inf" || t == "infinity" { return sign * .infinity }
            if t == "nan" { return .nan }
            if t.hasSuffix("f"), !t.hasPrefix("0x") { t.removeLast() }
            guard let first = t.first, first.isNumber || first == "." else { return nil }
            return Double(t).map { sign * $0 }
        }
    }
}
