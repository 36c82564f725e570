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
