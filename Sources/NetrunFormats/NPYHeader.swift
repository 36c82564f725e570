/// The three fields of a .npy header dict.
struct NPYHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// Parses a header such as `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`
    /// followed by padding: a Python dict literal with exactly the keys 'descr' (a string),
    /// 'fortran_order' (True/False) and 'shape' (a tuple of non-negative ints), in any order.
    static func parse(_ bytes: UnsafeRawBufferPointer, path: String) throws -> NPYHeader {
        func malformed(_ message: String) -> FileError {
            FileError(path: path, kind: .malformedHeader, message: "malformed .npy header: \(message)")
        }
        var tokens: [Token] = []
        do {
            tokens = try tokenize(bytes)
        } catch let error as TokenError {
            throw malformed(error.message)
        }
        var position = 0
        func next() -> Token? {
            defer { position += 1 }
            return position < tokens.count ? tokens[position] : nil
        }
        func expect(_ token: Token, _ context: String) throws {
            let found = next()
            guard found == token else { throw malformed("expected \(token) \(context), found \(found?.description ?? "end of header")") }
        }

        try expect(.open("{"), "at the start")
        var descr: String?
        var fortranOrder: Bool?
        var shape: [Int]?
        dictLoop: while true {
            let keyToken = next()
            let key: String
            switch keyToken {
            case .close("}")?: break dictLoop
            case let .string(text)?: key = text
            default: throw malformed("expected a string key or '}', found \(keyToken?.description ?? "end of header")")
            }
            try expect(.colon, "after key '\(key)'")
            let value = next()
            switch (key, value) {
            case ("descr", let .string(text)?) where descr == nil:
                descr = text
            case ("descr", .open("[")?) where descr == nil:
                throw FileError(path: path, kind: .unsupportedDType,
                                  message: "array has a structured dtype (a list of named fields); netrun reads arrays of one plain element type")
            case ("descr", _) where descr == nil:
                throw malformed("'descr' must be a dtype string such as '<f4', found \(value?.description ?? "end of header")")
            case ("fortran_order", let .identifier(name)?) where fortranOrder == nil && (name == "True" || name == "False"):
                fortranOrder = name == "True"
            case ("shape", .open("(")?) where shape == nil:
                shape = try parseShape()
            case ("descr", _), ("fortran_order", _), ("shape", _):
                if (key == "descr" && descr != nil) || (key == "fortran_order" && fortranOrder != nil) || (key == "shape" && shape != nil) {
                    throw malformed("key '\(key)' appears twice")
                }
                let wanted = key == "shape" ? "a tuple of ints" : "True or False"
                throw malformed("'\(key)' must be \(wanted), found \(value?.description ?? "end of header")")
            default:
                throw malformed("unexpected key '\(key)'; expected exactly 'descr', 'fortran_order' and 'shape'")
            }
            let separator = next()
            switch separator {
            case .comma?: continue
            case .close("}")?: break dictLoop
            default: throw malformed("expected ',' or '}' after the value of '\(key)', found \(separator?.description ?? "end of header")")
            }
        }
        if position < tokens.count { throw malformed("unexpected \(tokens[position]) after the dict") }
        guard let descr, let fortranOrder, let shape else {
            let missing = [("descr", descr == nil), ("fortran_order", fortranOrder == nil), ("shape", shape == nil)]
                .filter(\.1).map { "'\($0.0)'" }.joined(separator: ", ")
            throw malformed("missing key \(missing)")
        }
        return NPYHeader(descr: descr, fortranOrder: fortranOrder, shape: shape)

        /// After '(': `)`, `int,)`, `int, int)`, `int, int,)`; `(int)` is not a tuple.
        func parseShape() throws -> [Int] {
            var dims: [Int] = []
            var sawComma = false
            while true {
                let token = next()
                switch token {
                case .close(")")?:
                    guard dims.count != 1 || sawComma else { throw malformed("'shape' must be a tuple; (\(dims[0])) is an int, write (\(dims[0]),)") }
                    return dims
                case let .integer(text)? where dims.isEmpty || sawComma:
                    guard !text.hasPrefix("-") else { throw malformed("'shape' has a negative dimension \(text)") }
                    guard let dim = Int(text) else { throw malformed("'shape' dimension \(text) is too large") }
                    dims.append(dim)
                    sawComma = false
                case .comma? where !dims.isEmpty && !sawComma:
                    sawComma = true
                default:
                    throw malformed("bad 'shape' tuple: unexpected \(token?.description ?? "end of header")")
                }
            }
        }
    }

    enum Token: Equatable, CustomStringConvertible {
        case open(Character)
        case close(Character)
        case colon, comma
        case string(String)
        /// Decimal digits, maybe with a leading '-'; a Python 2 'L' suffix is dropped.
        case integer(String)
        case identifier(String)

        var description: String {
            switch self {
            case let .open(c), let .close(c): "'\(c)'"
            case .colon: "':'"
            case .comma: "','"
            case let .string(s): "'\(s)'"
            case let .integer(s): s
            case let .identifier(s): s
            }
        }
    }

    struct TokenError: Error { var message: String }

    /// Splits the header into tokens; only ASCII is accepted outside strings, and only
    /// spaces, tabs, newlines and carriage returns count as whitespace.
    static func tokenize(_ bytes: UnsafeRawBufferPointer) throws -> [Token] {
        var tokens: [Token] = []
        var i = 0
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || b == UInt8(ascii: "_") }
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            case UInt8(ascii: "{"), UInt8(ascii: "("), UInt8(ascii: "["):
                tokens.append(.open(Character(Unicode.Scalar(b)))); i += 1
            case UInt8(ascii: "}"), UInt8(ascii: ")"), UInt8(ascii: "]"):
                tokens.append(.close(Character(Unicode.Scalar(b)))); i += 1
            case UInt8(ascii: ":"): tokens.append(.colon); i += 1
            case UInt8(ascii: ","): tokens.append(.comma); i += 1
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                var end = i + 1
                while end < bytes.count, bytes[end] != b {
                    guard bytes[end] != UInt8(ascii: "\\"), bytes[end] != 0x0A else {
                        throw TokenError(message: "escapes and newlines are not supported in header strings")
                    }
                    end += 1
                }
                guard end < bytes.count else { throw TokenError(message: "unterminated string") }
                guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[(i + 1) ..< end]), as: UTF8.self) else {
                    throw TokenError(message: "string is not valid UTF-8")
                }
                tokens.append(.string(text))
                i = end + 1
            case UInt8(ascii: "-"), 0x30 ... 0x39:
                var end = i + 1
                while end < bytes.count, isDigit(bytes[end]) { end += 1 }
                guard end > i + 1 || b != UInt8(ascii: "-") else { throw TokenError(message: "'-' without digits") }
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i ..< end]), as: UTF8.self)
                if end < bytes.count, bytes[end] == UInt8(ascii: "L") || bytes[end] == UInt8(ascii: "l") { end += 1 }
                if end < bytes.count, isLetter(bytes[end]) || bytes[end] == UInt8(ascii: ".") {
                    throw TokenError(message: "'\(text)' is followed by '\(Character(Unicode.Scalar(bytes[end])))'; expected an integer")
                }
                tokens.append(.integer(text))
                i = end
            case _ where isLetter(b):
                var end = i + 1
                while end < bytes.count, isLetter(bytes[end]) || isDigit(bytes[end]) { end += 1 }
                tokens.append(.identifier(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[i ..< end]), as: UTF8.self)))
                i = end
            default:
                let shown = b >= 0x21 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x" + String(b, radix: 16)
                throw TokenError(message: "unexpected \(shown) at header byte \(i)")
            }
        }
        return tokens
    }
}
