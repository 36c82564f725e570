// `netrun sweep`'s plan: the values each `--set` tries, their product (or their zip), and
// the run directory of each combination, named by its overrides so that the same
// combination always lands in the same directory, whatever the order of the `--set`s.
import Foundation

/// Why a sweep's arguments cannot make a plan, in words naming the argument.
public struct SweepError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One `--set key=values`: the key path and the YAML texts of the values it tries.
public struct SweepAxis: Sendable, Equatable, Codable {
    public var key: String
    public var values: [String]

    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }

    /// The most values one axis may generate from a range (`a..b log n`).
    public static let maximumValues = 1000

    /// Parses `key=v1,v2,...` (values split at commas outside brackets, braces and quotes, so
    /// `[1, 2],[3, 4]` is two lists) or `key=A..B log N` / `key=A..B lin N` (N values from A
    /// to B, both included, spaced evenly on a log or a linear scale).
    public static func parse(_ text: String) throws(SweepError) -> SweepAxis {
        guard let eq = text.firstIndex(of: "=") else {
            throw SweepError("--set \(text): write key.path=value, key.path=v1,v2,v3 or key.path=A..B log N")
        }
        let key = String(text[..<eq])
        guard !key.isEmpty, !key.contains(" "), key.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ !$0.isEmpty }) else {
            throw SweepError("--set \(text): malformed key path '\(key)'; write section.key=value, e.g. train.batch=64")
        }
        let rest = String(text[text.index(after: eq)...])
        if let range = try parseRange(rest, option: text) {
            return SweepAxis(key: key, values: range)
        }
        let values = splitTopLevel(rest)
        guard !values.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) || values.count == 1 else {
            throw SweepError("--set \(text): an empty value in the list (two commas in a row, or one at an end)")
        }
        return SweepAxis(key: key, values: values.map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// `A..B log N` or `A..B lin N`; nil when `text` is not written as a range.
    static func parseRange(_ text: String, option: String) throws(SweepError) -> [String]? {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 3, words[0].contains(".."), ["log", "lin"].contains(words[1]) else {
            if text.contains("..") && (text.contains(" log") || text.contains(" lin")) {
                throw SweepError("--set \(option): a range is written A..B log N or A..B lin N (e.g. 1e-3..1e-1 log 5)")
            }
            return nil
        }
        let ends = words[0].components(separatedBy: "..")
        guard ends.count == 2, let a = Double(ends[0]), let b = Double(ends[1]), a.isFinite, b.isFinite else {
            throw SweepError("--set \(option): the ends of the range must be numbers (e.g. 1e-3..1e-1 log 5)")
        }
        guard let n = Int(words[2]), n >= 2, n <= maximumValues else {
            throw SweepError("--set \(option): the number of values must be a whole number from 2 to \(maximumValues)")
        }
        let log = words[1] == "log"
        if log && (a <= 0 || b <= 0) {
            throw SweepError("--set \(option): a log range needs two positive ends")
        }
        return (0 ..< n).map { i in
            let t = Double(i) / Double(n - 1)
            let v = log ? Foundation.exp(Foundation.log(a) + t * (Foundation.log(b) - Foundation.log(a))) : a + t * (b - a)
            // The ends exactly as written; the others to 4 significant digits (0.0031623, not 0.0031622776601683794).
            return i == 0 ? String(ends[0]) : i == n - 1 ? String(ends[1]) : shortNumber(v)
        }
    }

    /// `v` to four significant digits, without trailing zeros: 0.003162, 31.62, 1e-05.
    static func shortNumber(_ v: Double) -> String {
        var text = String(format: "%.4g", v)
        if text.contains("e") {
            // 1e-05 stays as C writes it; YAML reads it as a float either way.
            return text
        }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// `text` split at the commas that are not inside [], {} or quotes.
    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0
        var quote: Character?
        for c in text {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "[" || c == "{" {
                depth += 1
            } else if c == "]" || c == "}" {
                depth = max(0, depth - 1)
            } else if c == "," && depth == 0 {
                parts.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        parts.append(current)
        return parts
    }
}

/// One run of a sweep: its directory's name and the overrides that make its config.
public struct SweepRun: Sendable, Equatable, Codable {
    /// The run directory's name under the sweep directory.
    public var name: String
    /// `key=value` overrides: the fixed ones (single-valued `--set`s), then this run's value
    /// of each axis.
    public var overrides: [String]
    /// This run's value of each varying axis, by key (the results' columns).
    public var values: [String: String]

    public init(name: String, overrides: [String], values: [String: String]) {
        self.name = name
        self.overrides = overrides
        self.values = values
    }
}

/// The runs of a sweep, in the order they start.
public struct SweepPlan: Sendable, Equatable, Codable {
    /// `--set`s given one value: applied to every run, not part of the names.
    public var fixed: [SweepAxis]
    /// `--set`s given two or more values (and the seeds): what varies.
    public var axes: [SweepAxis]
    public var zip: Bool
    public var runs: [SweepRun]

    /// The most runs one sweep may plan.
    public static let maximumRuns = 10_000

    /// The plan of `axes` (each `--set` parsed): the product of their values, the first
    /// axis varying slowest, or with `zip` the i-th value of each together (every varying
    /// axis the same length). `seeds` (with `baseSeed`, the config's `train.seed`) adds
    /// the axis `train.seed` = baseSeed, baseSeed + 1, ... when above 1.
    public init(axes given: [SweepAxis], zip: Bool, seeds: Int = 1, baseSeed: Int = 0) throws(SweepError) {
        var seen = Set<String>()
        for a in given where !seen.insert(a.key).inserted {
            throw SweepError("--set \(a.key) is given twice: give its values in one --set (\(a.key)=v1,v2)")
        }
        if seeds > 1 {
            guard !seen.contains("train.seed") else {
                throw SweepError("--seeds and --set train.seed both choose the seeds: give one")
            }
        }
        let fixed = given.filter { $0.values.count == 1 }
        var axes = given.filter { $0.values.count > 1 }
        if seeds > 1 {
            axes.append(SweepAxis(key: "train.seed", values: (0 ..< seeds).map { "\(baseSeed + $0)" }))
        }
        var combinations: [[String]] = []
        if axes.isEmpty {
            combinations = [[]]
        } else if zip {
            let counts = Set(axes.map(\.values.count))
            guard counts.count == 1, let n = counts.first else {
                throw SweepError("--zip pairs the i-th values of each --set, so each needs as many values: "
                                 + axes.map { "\($0.key) has \($0.values.count)" }.joined(separator: ", "))
            }
            combinations = (0 ..< n).map { i in axes.map { $0.values[i] } }
        } else {
            let total = axes.reduce(1.0) { $0 * Double($1.values.count) }
            guard total <= Double(Self.maximumRuns) else {
                throw SweepError("the sweep would make \(Int(total)) runs; the most is \(Self.maximumRuns)")
            }
            combinations = [[]]
            for axis in axes {
                combinations = combinations.flatMap { prefix in axis.values.map { prefix + [$0] } }
            }
        }
        let labels = Self.labels(axes.map(\.key))
        let fixedOverrides = fixed.map { "\($0.key)=\($0.values[0])" }
        let runs = combinations.map { values in
            let name = Self.directoryName(labels: labels, values: values)
            return SweepRun(name: name, overrides: fixedOverrides + Swift.zip(axes, values).map { "\($0.key)=\($1)" },
                            values: Dictionary(uniqueKeysWithValues: Swift.zip(axes, values).map { ($0.key, $1) }))
        }
        var names = Set<String>()
        for r in runs where !names.insert(r.name).inserted {
            throw SweepError("two runs of the sweep would share the directory '\(r.name)': the same values are listed twice")
        }
        self.fixed = fixed
        self.axes = axes
        self.zip = zip
        self.runs = runs
    }

    /// The shortest trailing part of each key path that tells it from the others:
    /// `train.optimizer.lr` and `train.seed` become `lr` and `seed`.
    static func labels(_ keys: [String]) -> [String] {
        let parts = keys.map { $0.split(separator: ".").map(String.init) }
        return parts.map { p in
            for n in 1 ... max(p.count, 1) {
                let suffix = p.suffix(n)
                let clashes = parts.filter { $0 != p && Array($0.suffix(n)) == Array(suffix) }
                if clashes.isEmpty { return suffix.joined(separator: ".") }
            }
            return p.joined(separator: ".")
        }
    }

    /// `label=value` pairs sorted by label and joined by commas; characters that a file name
    /// should not hold become `_`, and when that (or the length limit) changed the name, a
    /// hash of the exact pairs keeps different values apart. No axes: `run`.
    static func directoryName(labels: [String], values: [String]) -> String {
        guard !labels.isEmpty else { return "run" }
        let pairs = Swift.zip(labels, values).map { "\($0)=\($1)" }.sorted()
        let exact = pairs.joined(separator: ",")
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-=,")
        var safe = String(exact.map { allowed.contains($0) ? $0 : "_" })
        if safe.hasPrefix(".") { safe = "_" + safe.dropFirst() }
        if safe == exact && safe.utf8.count <= 120 { return safe }
        return String(safe.prefix(100)) + "-" + fnv1a(exact)
    }
}

/// FNV-1a (64 bits) of `text` in hexadecimal: a name that tells texts apart, not a secret.
func fnv1a(_ text: String) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return String(h, radix: 16)
}
