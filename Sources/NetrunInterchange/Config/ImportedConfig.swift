// What an importer builds before it writes YAML: the network as netrun layers (ops,
// settings, explicit inputs), blocks, and the train and eval sections, each layer
// remembering the line of the foreign file it came from, so that a problem found in the
// written config is reported there.
import NetrunConfig

/// A value of the written config, printed in YAML flow style.
public indirect enum ConfigValue: Hashable, Sendable {
    case int(Int)
    case number(Double)
    /// A plain word: a name, an enum value, `$param`; quoted when YAML would read it otherwise.
    case word(String)
    case bool(Bool)
    case list([ConfigValue])
    case map([ConfigEntry])

    /// `n`, or `[h, w]` when they differ.
    static func size(_ h: Int, _ w: Int) -> ConfigValue { h == w ? .int(h) : .list([.int(h), .int(w)]) }
}

public struct ConfigEntry: Hashable, Sendable {
    public var key: String
    public var value: ConfigValue

    public init(_ key: String, _ value: ConfigValue) {
        self.key = key
        self.value = value
    }
}

extension Array where Element == ConfigEntry {
    subscript(key: String) -> ConfigValue? {
        get { first { $0.key == key }?.value }
        set {
            if let i = firstIndex(where: { $0.key == key }) {
                if let newValue { self[i].value = newValue } else { remove(at: i) }
            } else if let newValue {
                append(ConfigEntry(key, newValue))
            }
        }
    }
}

/// What a layer entry names: an op of the op table, or a block of the imported config.
enum ImportedOp: Hashable, Sendable {
    case op(OpKind)
    case block(String)

    /// The entry's key as written.
    var keyword: String {
        switch self {
        case .op(let kind): kind.keyword
        case .block(let name): name
        }
    }

    /// Whether it is a conv or dense layer (what `act:`, `init:` and a classifier are on).
    var isConvOrDense: Bool { self == .op(.conv) || self == .op(.dense) }
}

/// One `- op: {settings}` entry: an op of the op table or a block's name.
struct ImportedLayer: Hashable, Sendable {
    var op: ImportedOp
    var name: String
    /// Full node names read; `input` is the network's (in a block: the instance's) input.
    var inputs: [String]
    /// Settings besides `name` and `from`, in the order written.
    var settings: [ConfigEntry]
    /// The foreign file's layer this entry came from.
    var origin: SourceLocation
    var comment: String? = nil
}

/// A block: layers with local names; `input` is the instance's input.
struct ImportedBlock: Hashable, Sendable {
    var name: String
    var params: [String]
    var layers: [ImportedLayer]
    var comment: String? = nil
}

/// A `key: value` line of the train or eval section, with an optional comment.
struct SectionLine: Hashable, Sendable {
    var entry: ConfigEntry
    var comment: String? = nil
    var origin: SourceLocation? = nil

    init(_ key: String, _ value: ConfigValue, comment: String? = nil, origin: SourceLocation? = nil) {
        entry = ConfigEntry(key, value)
        self.comment = comment
        self.origin = origin
    }
}

/// A whole imported config.
struct ImportedConfig: Sendable {
    var header: [String]
    var name: String
    var input: [Int]
    var classes: Int
    var output: String?
    var initializer: [ConfigEntry] = []
    var blocks: [ImportedBlock] = []
    var layers: [ImportedLayer]
    var train: [SectionLine] = []
    var eval: [SectionLine] = []
    /// Where the model section's problems are reported (the file's start).
    var origin: SourceLocation
}
