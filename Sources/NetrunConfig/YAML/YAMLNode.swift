/// A YAML document as data: scalars, sequences and mappings, each remembering where it was
/// written. Aliases are already resolved (shared, copy-on-write), merge keys applied, tags
/// checked. Nothing in a YAML file constructs anything but this.
public struct YAMLNode: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case scalar(Scalar)
        case sequence([YAMLNode])
        case mapping([Pair])
    }

    public struct Scalar: Hashable, Sendable {
        public var text: String
        /// Plain (unquoted) scalars may be numbers, booleans or null; quoted ones are strings.
        public var isPlain: Bool
        /// A core tag given explicitly (`!!str 12`), resolved to its short name, or nil.
        public var tag: CoreTag?

        public init(_ text: String, isPlain: Bool = true, tag: CoreTag? = nil) {
            self.text = text
            self.isPlain = isPlain
            self.tag = tag
        }
    }

    public struct Pair: Hashable, Sendable {
        public var key: YAMLNode
        public var value: YAMLNode

        public init(key: YAMLNode, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }

    /// The explicit tags netrun accepts: the plain YAML core ones.
    public enum CoreTag: String, Hashable, Sendable, CaseIterable {
        case str, int, float, bool, null, seq, map
    }

    public var kind: Kind
    public var location: SourceLocation

    public init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }

    public static func scalar(_ text: String, at location: SourceLocation, plain: Bool = true) -> YAMLNode {
        YAMLNode(.scalar(Scalar(text, isPlain: plain)), at: location)
    }

    public var scalar: Scalar? {
        if case .scalar(let s) = kind { return s }
        return nil
    }

    /// The text of a scalar, or nil for a collection.
    public var text: String? { scalar?.text }

    public var items: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    public var pairs: [Pair]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }

    /// The value under a scalar key of a mapping.
    public subscript(key: String) -> YAMLNode? {
        pairs?.first { $0.key.text == key }?.value
    }

    /// True for `~`, `null`, `Null`, `NULL` and the empty plain scalar.
    public var isNull: Bool {
        guard let s = scalar else { return false }
        if s.tag == .null { return true }
        return s.isPlain && s.tag == nil && ["", "~", "null", "Null", "NULL"].contains(s.text)
    }

    /// What a scalar is under YAML 1.2's core schema: its explicit tag; for a quoted scalar
    /// `str`; for a plain one `null`, `bool`, `int` or `float` by its text (`_` between
    /// digits allowed, as netrun's numbers allow it), else `str`. nil for a collection.
    public var coreType: CoreTag? {
        guard let s = scalar else { return nil }
        if let tag = s.tag { return tag }
        if !s.isPlain { return .str }
        if isNull { return .null }
        if ["true", "True", "TRUE", "false", "False", "FALSE"].contains(s.text) { return .bool }
        return Self.numberType(s.text.replacingOccurrences(of: "_", with: "")) ?? .str
    }

    /// The core schema's non-finite floats: `.inf`, `-.inf`, `.nan` and their capitalizations.
    public static func isNonFinite(_ text: String) -> Bool {
        let unsigned = text.first == "+" || text.first == "-" ? text.dropFirst() : Substring(text)
        return [".inf", ".Inf", ".INF"].contains(unsigned) || [".nan", ".NaN", ".NAN"].contains(text)
    }

    /// `int` or `float` when `text` is a number in the core schema's notation
    /// (`12`, `-3`, `0x1f`, `0o17`, `1.5`, `.5`, `2e-3`, `.inf`, `.nan`), else nil.
    static func numberType(_ text: String) -> CoreTag? {
        if isNonFinite(text) { return .float }
        let b = Array(text.utf8)
        func all(_ s: ArraySlice<UInt8>, _ ok: (UInt8) -> Bool) -> Bool { !s.isEmpty && s.allSatisfy(ok) }
        let isDigit = { (c: UInt8) in c >= 48 && c <= 57 }
        if b.count > 2, b[0] == 48, b[1] == UInt8(ascii: "o") { return all(b[2...]) { $0 >= 48 && $0 <= 55 } ? .int : nil }
        if b.count > 2, b[0] == 48, b[1] == UInt8(ascii: "x") { return all(b[2...]) { isDigit($0) || (65...70).contains($0 & 0xDF) } ? .int : nil }
        var i = b.first == UInt8(ascii: "+") || b.first == UInt8(ascii: "-") ? 1 : 0
        func digits() -> Int {
            let start = i
            while i < b.count, isDigit(b[i]) { i += 1 }
            return i - start
        }
        let whole = digits()
        if i == b.count { return whole > 0 ? .int : nil }
        var fraction = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            fraction = digits()
        }
        guard whole + fraction > 0 else { return nil }
        if i < b.count, b[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return nil }
        }
        return i == b.count ? .float : nil
    }

    /// A short description of what the node is, for "expected X, found Y" messages.
    public var kindDescription: String {
        switch kind {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar(let s):
            if isNull { return "nothing (null)" }
            if !s.isPlain || s.tag == .str { return "the string '\(s.text)'" }
            return "'\(s.text)'"
        }
    }
}

// MARK: - List entries

extension YAMLNode {
    /// A list entry written `- op: {settings}` (a layer, an augmentation): a one-key mapping
    /// whose value is a mapping, or nothing (`- op:`, settings nil). Nil for any other node.
    public var entry: (op: String, settings: YAMLNode?)? {
        guard let p = pairs, p.count == 1, let op = p[0].key.text else { return nil }
        if p[0].value.isNull { return (op, nil) }
        return p[0].value.pairs != nil ? (op, p[0].value) : nil
    }

    /// The `name:` of a list entry (`- conv: {name: c1, ...}`), if it has one: what a key
    /// path (`model.layers.c1.out`) calls the entry.
    public var entryName: String? { entry?.settings?["name"]?.text }
}

