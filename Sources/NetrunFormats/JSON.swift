/// A strict RFC 8259 JSON parser: netrun's one JSON reader (safetensors headers, and the
/// lines of metrics.jsonl through NetrunRunner's `FlatJSONObject`).
///
/// Unlike JSONSerialization it keeps object members in file order and keeps
/// duplicate keys (so the caller can refuse them), keeps numbers as their exact
/// text, validates UTF-8 and escapes, and bounds nesting depth so hostile input
/// cannot exhaust the stack.
public enum JSON: Equatable, Sendable {
    case object([(key: String, value: JSON)])
    case array([JSON])
    case string(String)
    /// The literal text of a number, already checked against the JSON grammar.
    case number(String)
    case bool(Bool)
    case null

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(a), .array(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.bool(a), .bool(b)): return a == b
        case (.null, .null): return true
        default: return false
        }
    }

    /// A short name of the value's type, for messages.
    var typeName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    public struct SyntaxError: Error, Equatable {
        public var offset: Int
        public var message: String
    }

    static let maximumDepth = 64

    /// Parses exactly one JSON value; only JSON whitespace may surround it.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(SyntaxError) -> JSON {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw SyntaxError(offset: parser.position, message: "unexpected \(parser.describeNext()) after the JSON value")
        }
        return value
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        func describeNext() -> String {
            guard let byte = peek else { return "end of header" }
            if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
            return "byte 0x" + String(byte, radix: 16)
        }

        func fail(_ message: String) -> SyntaxError { SyntaxError(offset: position, message: message) }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        mutating func expect(_ literal: StaticString) throws(SyntaxError) {
            let text = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
            guard position + text.count <= bytes.count,
                  text.indices.allSatisfy({ bytes[position + $0] == text[$0] })
            else { throw fail("invalid literal; expected '\(literal)'") }
            position += text.count
        }

        mutating func value(depth: Int) throws(SyntaxError) -> JSON {
            guard depth < JSON.maximumDepth else { throw fail("nesting deeper than \(JSON.maximumDepth) levels") }
            switch peek {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try expect("true"); return .bool(true)
            case UInt8(ascii: "f"): try expect("false"); return .bool(false)
            case UInt8(ascii: "n"): try expect("null"); return .null
            case let byte? where byte == UInt8(ascii: "-") || (byte >= 0x30 && byte <= 0x39): return .number(try number())
            default: throw fail("expected a JSON value, found \(describeNext())")
            }
        }

        mutating func object(depth: Int) throws(SyntaxError) -> JSON {
            position += 1
            var members: [(key: String, value: JSON)] = []
            skipWhitespace()
            if peek == UInt8(ascii: "}") { position += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw fail("expected a string key, found \(describeNext())") }
                let key = try string()
                skipWhitespace()
                guard peek == UInt8(ascii: ":") else { throw fail("expected ':' after key, found \(describeNext())") }
                position += 1
                skipWhitespace()
                members.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"): position += 1; return .object(members)
                default: throw fail("expected ',' or '}' in object, found \(describeNext())")
                }
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> JSON {
            position += 1
            var elements: [JSON] = []
            skipWhitespace()
            if peek == UInt8(ascii: "]") { position += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                switch peek {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"): position += 1; return .array(elements)
                default: throw fail("expected ',' or ']' in array, found \(describeNext())")
                }
            }
        }

        mutating func digits() -> Int {
            let start = position
            while let byte = peek, byte >= 0x30 && byte <= 0x39 { position += 1 }
            return position - start
        }

        mutating func number() throws(SyntaxError) -> String {
            let start = position
            if peek == UInt8(ascii: "-") { position += 1 }
            if peek == UInt8(ascii: "0") {
                position += 1
            } else if digits() == 0 {
                throw fail("invalid number")
            }
            if peek == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { throw fail("invalid number: no digits after '.'") }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                position += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { throw fail("invalid number: no digits in exponent") }
            }
            // Only ASCII was consumed, so this decoding cannot fail or substitute.
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start ..< position]), as: UTF8.self)
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard position + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var value: UInt32 = 0
            for _ in 0 ..< 4 {
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case 0x30 ... 0x39: digit = byte - 0x30
                case 0x41 ... 0x46: digit = byte - 0x41 + 10
                case 0x61 ... 0x66: digit = byte - 0x61 + 10
                default: throw fail("invalid hex digit in \\u escape")
                }
                value = value << 4 | UInt32(digit)
                position += 1
            }
            return value
        }

        mutating func string() throws(SyntaxError) -> String {
            let start = position
            position += 1
            var utf8: [UInt8] = []
            while true {
                guard let byte = peek else {
                    position = start
                    throw fail("unterminated string")
                }
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: utf8, as: UTF8.self) else {
                        position = start
                        throw fail("string is not valid UTF-8")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    guard let escape = peek else { throw fail("unterminated string") }
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if code >= 0xD800 && code < 0xDC00 {
                            guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"),
                                  bytes[position + 1] == UInt8(ascii: "u") else { throw fail("unpaired surrogate in \\u escape") }
                            position += 2
                            let low = try hex4()
                            guard low >= 0xDC00 && low < 0xE000 else { throw fail("unpaired surrogate in \\u escape") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw fail("unpaired surrogate in \\u escape") }
                        utf8.append(contentsOf: String(Character(scalar)).utf8)
                    default: throw fail("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
                    }
                case 0x00 ..< 0x20: throw fail("unescaped control character in string")
                default: utf8.append(byte)
                }
            }
        }
    }
}

extension JSON {
    /// Appends `text` as a JSON string literal the way Python's `json.dumps` does by
    /// default (`ensure_ascii=True`), so our headers match the reference writer's bytes.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: Array(#"\""#.utf8))
            case "\\": out.append(contentsOf: Array(#"\\"#.utf8))
            case "\n": out.append(contentsOf: Array(#"\n"#.utf8))
            case "\r": out.append(contentsOf: Array(#"\r"#.utf8))
            case "\t": out.append(contentsOf: Array(#"\t"#.utf8))
            case "\u{08}": out.append(contentsOf: Array(#"\b"#.utf8))
            case "\u{0C}": out.append(contentsOf: Array(#"\f"#.utf8))
            default:
                if scalar.value >= 0x20 && scalar.value < 0x7F {
                    out.append(UInt8(scalar.value))
                } else if scalar.value < 0x10000 {
                    appendEscape(UInt16(scalar.value), to: &out)
                } else {
                    let v = scalar.value - 0x10000
                    appendEscape(UInt16(0xD800 + (v >> 10)), to: &out)
                    appendEscape(UInt16(0xDC00 + (v & 0x3FF)), to: &out)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ unit: UInt16, to out: inout [UInt8]) {
        let hex = String(unit, radix: 16)
        out.append(contentsOf: Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8))
    }
}
