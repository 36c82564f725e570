import NetrunConfig

/// Typed reads of prototxt fields, each problem a diagnostic at the value.
struct PrototxtReader {
    var diagnostics = Diagnostics()

    mutating func error(_ message: String, at location: SourceLocation) { diagnostics.error(message, at: location) }
    mutating func warning(_ message: String, at location: SourceLocation) { diagnostics.warning(message, at: location) }

    mutating func scalar(_ f: PrototxtField, _ kinds: Set<PrototxtScalar.Kind>, what: String) -> PrototxtScalar? {
        guard case .scalar(let s) = f.value, kinds.contains(s.kind) else {
            error("expected \(what) for '\(f.name.value)'", at: f.value.location)
            return nil
        }
        return s
    }

    mutating func double(_ f: PrototxtField, min: Double? = nil) -> Double? {
        guard let s = scalar(f, [.number], what: "a number"), let v = Prototxt.Parser.number(s.text) else { return nil }
        guard v.isFinite, Float(v).isFinite else {
            error("'\(f.name.value)' must be a finite number, not \(s.text)", at: s.location)
            return nil
        }
        if let min, v < min {
            error("'\(f.name.value)' must be at least \(Self.text(min)), not \(s.text)", at: s.location)
            return nil
        }
        return v
    }

    mutating func int(_ f: PrototxtField, min: Int = 0, max: Int = Limits.size) -> Int? {
        guard let s = scalar(f, [.number], what: "a whole number"), let v = Prototxt.Parser.number(s.text) else { return nil }
        // Compared as doubles first: Int(v) traps beyond Int's range.
        guard v.isFinite, v == v.rounded(), abs(v) < 9e18, v >= Double(min), v <= Double(max) else {
            error("'\(f.name.value)' must be a whole number from \(min) to \(max), not \(s.text)", at: s.location)
            return nil
        }
        return Int(v)
    }

    mutating func string(_ f: PrototxtField) -> String? { scalar(f, [.string], what: "a quoted string")?.text }

    /// An enum value or, for Caffe's V1 files, any identifier.
    mutating func identifier(_ f: PrototxtField) -> String? { scalar(f, [.identifier], what: "a name (an enum value)")?.text }

    mutating func bool(_ f: PrototxtField) -> Bool? {
        guard let s = scalar(f, [.identifier, .number], what: "true or false") else { return nil }
        switch s.text {
        case "true", "True", "t", "1": return true
        case "false", "False", "f", "0": return false
        default:
            error("expected true or false for '\(f.name.value)', found '\(s.text)'", at: s.location)
            return nil
        }
    }

    mutating func message(_ f: PrototxtField) -> PrototxtMessage? {
        guard case .message(let m) = f.value else {
            error("expected '\(f.name.value) { ... }', a message", at: f.value.location)
            return nil
        }
        return m
    }

    /// The field `name` of `m` read by `read`, or nil when absent; a repeated scalar
    /// written twice is an error at the second.
    mutating func single<T>(_ m: PrototxtMessage, _ name: String, _ read: (inout PrototxtReader, PrototxtField) -> T?) -> T? {
        let all = m.all(name)
        if all.count > 1 { error("'\(name)' is given \(all.count) times; it takes one value", at: all[1].name.location) }
        guard let f = all.first else { return nil }
        return read(&self, f)
    }

    /// An error for every field of `m` outside `known`: what the importer cannot translate.
    mutating func refuseUnknown(_ m: PrototxtMessage, known: Set<String>, in what: String) {
        for f in m.fields where !known.contains(f.name.value) {
            error("the importer cannot translate '\(f.name.value)' in \(what)", at: f.name.location)
        }
    }

    static func text(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
}
