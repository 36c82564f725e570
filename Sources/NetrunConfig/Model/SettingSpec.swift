// One setting of an op or of a section: its key, type and range, default and meaning, and
// these in words for `netrun schema` and an editor's hover.

/// One setting of an op: its key, type and range, default, and meaning.
public struct SettingSpec: Sendable {
    public enum ValueType: Sendable, Equatable {
        case int(min: Int, max: Int)
        /// An odd whole number.
        case oddInt(min: Int, max: Int)
        /// `n` or `[height, width]`.
        case size2(min: Int, max: Int)
        /// A finite number; `exclusiveMin`: strictly above `min`.
        case number(min: Double? = nil, max: Double? = nil, exclusiveMin: Bool = false)
        case bool
        case choice([String])
        /// `{weight: filler, bias: filler}`.
        case initializer
        /// A k or a list of k for top-k accuracies.
        case topK
        /// `8` (epochs), `8 epochs` or `500 steps`.
        case duration
        /// A list of durations.
        case durations
        /// A file or directory, relative to the config that says it.
        case path
        /// One path or a list of them.
        case paths
        /// One number or a list (one per channel), each above `exclusiveMin` when given.
        case numbers(exclusiveMin: Double?)
        /// A number, one per channel, or `per_pixel`.
        case mean
        /// Two numbers `[low, high]`, `exclusiveMin < low <= high`, and `high <= max` when given.
        case interval(exclusiveMin: Double, max: Double?)
    }

    public enum DefaultValue: Sendable, Equatable {
        case int(Int), number(Double), bool(Bool), choice(String), intList([Int]), numberList([Double])
    }

    public let key: String
    public let type: ValueType
    public let required: Bool
    public let defaultValue: DefaultValue?
    public let doc: String
    /// What a value is called in messages: "expected a stride of at least 1".
    public let noun: String

    init(_ key: String, _ type: ValueType, required: Bool = false, default value: DefaultValue? = nil, noun: String? = nil, doc: String) {
        self.key = key
        self.type = type
        self.required = required
        self.defaultValue = value
        self.noun = noun ?? "'\(key)'"
        self.doc = doc
    }
}

extension SettingSpec {
    /// The type and range in words, for an editor's hover: "integer, 1 to 4096".
    public var typeDescription: String {
        func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        switch type {
        case .int(let lo, let hi): return "integer, \(lo) to \(hi)"
        case .oddInt(let lo, let hi): return "odd integer, \(lo) to \(hi)"
        case .size2(let lo, let hi): return "n or [height, width], each \(lo) to \(hi)"
        case .number(let lo, let hi, let exclusive):
            var parts: [String] = []
            if let lo { parts.append((exclusive ? "> " : "≥ ") + number(lo)) }
            if let hi { parts.append("≤ " + number(hi)) }
            return "number" + (parts.isEmpty ? "" : ", " + parts.joined(separator: ", "))
        case .bool: return "true or false"
        case .choice(let names): return "one of " + names.joined(separator: ", ")
        case .initializer: return "{weight: filler, bias: filler}"
        case .topK: return "k or a list of k, each 1 to model.classes"
        case .duration: return "epochs (8), or '8 epochs' or '500 steps'"
        case .durations: return "a list of durations ('8 epochs', '500 steps')"
        case .path: return "a path, relative to the config"
        case .paths: return "a path or a list of paths, relative to the config"
        case .numbers(let lo): return "a number or a list of numbers, one per channel" + (lo.map { ", each > \(number($0))" } ?? "")
        case .mean: return "a number, a list (one per channel) or per_pixel"
        case .interval(let lo, let hi): return "[low, high], \(number(lo)) < low ≤ high" + (hi.map { " ≤ \(number($0))" } ?? "")
        }
    }

    /// The default as written in a config, or nil when there is none.
    public var defaultDescription: String? {
        switch defaultValue {
        case .none: return nil
        case .int(let v)?: return String(v)
        case .number(let v)?: return "\(v)"
        case .bool(let v)?: return v ? "true" : "false"
        case .choice(let v)?: return v
        case .intList(let v)?: return "[" + v.map(String.init).joined(separator: ", ") + "]"
        case .numberList(let v)?: return "[" + v.map { "\($0)" }.joined(separator: ", ") + "]"
        }
    }
}
