import CYAML
import Foundation

/// Bounds on what one YAML file may cost to read. A file over any of them is refused with a
/// positioned error, before it can use much memory or time.
public struct YAMLLimits: Sendable, Equatable {
    /// Largest file accepted, in bytes.
    public var maxBytes: Int = 1 << 20
    /// Deepest nesting of sequences and mappings.
    public var maxDepth: Int = 64
    /// Most nodes a document may hold once every alias is expanded (alias bombs stop here).
    public var maxNodes: Int = 200_000

    public init() {}
}

/// Reads YAML with libyaml's event parser into a `YAMLNode` tree in which every node keeps
/// its file, line and column. The only file in netrun that calls libyaml.
///
/// Before libyaml sees the bytes: the size limit, UTF-8 validity and tabs in indentation are
/// checked here, so each gets a precise position. While building the tree: nesting depth,
/// total node count after alias expansion, duplicate keys (both positions named), explicit
/// tags other than the core ones, merge keys (`<<: *base`, `<<: [*a, *b]`).
public enum YAMLReader {
    /// Reads and parses the file at `path`.
    public static func read(file path: String, limits: YAMLLimits = YAMLLimits()) throws(ConfigError) -> YAMLNode {
        let start = SourceLocation(file: path, line: 1, column: 1)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ConfigError(.error(exists ? "cannot read file" : "no such file", at: start))
        }
        defer { try? handle.close() }
        // Read at most one byte past the limit: a larger file is refused without reading it all.
        let data: Data
        do { data = try handle.read(upToCount: limits.maxBytes + 1) ?? Data() } catch {
            throw ConfigError(.error("cannot read file: \(error.localizedDescription)", at: start))
        }
        return try parse([UInt8](data), file: path, limits: limits)
    }

    /// Parses YAML text held in memory; `file` names it in locations.
    public static func parse(_ text: String, file: String, limits: YAMLLimits = YAMLLimits()) throws(ConfigError) -> YAMLNode {
        try parse(Array(text.utf8), file: file, limits: limits)
    }

    public static func parse(_ bytes: [UInt8], file: String, limits: YAMLLimits = YAMLLimits()) throws(ConfigError) -> YAMLNode {
        if bytes.count > limits.maxBytes {
            throw ConfigError(.error("file is larger than \(limits.maxBytes) bytes; netrun refuses configs that large", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        try TextChecks.check(bytes, file: file)
        var builder = TreeBuilder(file: file, limits: limits)
        return try builder.run(bytes)
    }
}

/// Checks of the raw bytes that libyaml reports poorly or not at all.
enum TextChecks {
    static func check(_ bytes: [UInt8], file: String) throws(ConfigError) {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE]) {
            throw ConfigError(.error("file is UTF-16; netrun reads UTF-8 only", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        var line = 1, column = 1, i = 0
        var atLineStart = true, sawTabInIndent: Int? = nil
        while i < bytes.count {
            let b = bytes[i]
            let length = utf8SequenceLength(bytes, at: i)
            guard length > 0 else {
                throw ConfigError(.error(String(format: "invalid UTF-8 (byte 0x%02X); save the file as UTF-8", b), at: SourceLocation(file: file, line: line, column: column)))
            }
            if b == 0x0A {
                line += 1; column = 1; atLineStart = true; sawTabInIndent = nil
                i += 1
                continue
            }
            if atLineStart {
                if b == 0x09, sawTabInIndent == nil { sawTabInIndent = column }
                if b != 0x20, b != 0x09, b != 0x0D {
                    atLineStart = false
                    if let tab = sawTabInIndent, b != 0x23 {  // a tab before a comment is harmless
                        throw ConfigError(.error("tab character used for indentation; YAML indents with spaces", at: SourceLocation(file: file, line: line, column: tab)))
                    }
                }
            }
            column += 1
            i += length
        }
    }

    /// Length of the well-formed UTF-8 sequence at `i` (1...4), or 0 if it is malformed
    /// (overlong forms, surrogates and code points past U+10FFFF included).
    static func utf8SequenceLength(_ s: [UInt8], at i: Int) -> Int {
        let b0 = s[i]
        if b0 < 0x80 { return 1 }
        func cont(_ k: Int) -> Bool { i + k < s.count && s[i + k] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0...0xEF:
            guard cont(1), cont(2) else { return 0 }
            let b1 = s[i + 1]
            if b0 == 0xE0 && b1 < 0xA0 { return 0 }   // overlong
            if b0 == 0xED && b1 >= 0xA0 { return 0 }  // surrogate
            return 3
        case 0xF0...0xF4:
            guard cont(1), cont(2), cont(3) else { return 0 }
            let b1 = s[i + 1]
            if b0 == 0xF0 && b1 < 0x90 { return 0 }
            if b0 == 0xF4 && b1 >= 0x90 { return 0 }
            return 4
        default: return 0
        }
    }
}

/// Turns libyaml events into a tree, one frame per open collection.
private struct TreeBuilder {
    let file: String
    let limits: YAMLLimits

    /// An open collection; children are appended in place (no copy per element).
    private struct Frame {
        var isMapping: Bool
        var location: SourceLocation
        var anchor: String?
        var startCount: Int
        var children: [YAMLNode] = []
    }

    private var stack: [Frame] = []
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var nodeCount = 0
    private var root: YAMLNode?
    private var documents = 0

    init(file: String, limits: YAMLLimits) {
        self.file = file
        self.limits = limits
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func string(_ p: UnsafeMutablePointer<yaml_char_t>?, _ length: Int? = nil) -> String? {
        guard let p else { return nil }
        let n = length ?? strlen(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }

    mutating func run(_ bytes: [UInt8]) throws(ConfigError) -> YAMLNode {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw ConfigError(.error("libyaml could not start (out of memory)", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        defer { yaml_parser_delete(&parser) }
        let result: Result<YAMLNode, ConfigError> = bytes.withUnsafeBufferPointer { buffer in
            // libyaml reads from the pointer during yaml_parser_parse only; the buffer outlives it here.
            yaml_parser_set_input_string(&parser, buffer.baseAddress ?? UnsafePointer(bitPattern: 1), buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            do throws(ConfigError) { return .success(try events(&parser)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private mutating func events(_ parser: inout yaml_parser_t) throws(ConfigError) -> YAMLNode {
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { throw parseError(parser) }
            defer { yaml_event_delete(&event) }
            let at = location(event.start_mark)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return root ?? YAMLNode.scalar("", at: SourceLocation(file: file, line: 1, column: 1))
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 { throw ConfigError(.error("a config file holds one YAML document; found a second one here", at: at)) }
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                let text = Self.string(s.value, Int(s.length)) ?? ""
                let tag = try coreTag(Self.string(s.tag), at: at, allowed: [.str, .int, .float, .bool, .null])
                let plain = s.style == YAML_PLAIN_SCALAR_STYLE
                try add(YAMLNode(.scalar(.init(text, isPlain: plain, tag: tag)), at: at), anchor: Self.string(s.anchor), size: 1)
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.data.alias.anchor) ?? ""
                guard let target = anchors[name] else {
                    throw ConfigError(.error("unknown anchor '\(name)'\(Suggestion.phrase(for: name, in: anchors.keys))", at: at))
                }
                try add(target.node, anchor: nil, size: target.size, aliasAt: at)
            case YAML_SEQUENCE_START_EVENT:
                let e = event.data.sequence_start
                _ = try coreTag(Self.string(e.tag), at: at, allowed: [.seq])
                try push(Frame(isMapping: false, location: at, anchor: Self.string(e.anchor), startCount: nodeCount))
            case YAML_MAPPING_START_EVENT:
                let e = event.data.mapping_start
                _ = try coreTag(Self.string(e.tag), at: at, allowed: [.map])
                try push(Frame(isMapping: true, location: at, anchor: Self.string(e.anchor), startCount: nodeCount))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { continue }
                let kind: YAMLNode.Kind = frame.isMapping ? .mapping(try mapping(frame.children)) : .sequence(frame.children)
                try add(YAMLNode(kind, at: frame.location), anchor: frame.anchor, size: nodeCount - frame.startCount, counted: true)
            default:
                continue
            }
        }
    }

    private mutating func push(_ frame: Frame) throws(ConfigError) {
        if stack.count >= limits.maxDepth {
            throw ConfigError(.error("nesting deeper than \(limits.maxDepth) levels", at: frame.location))
        }
        nodeCount += 1
        stack.append(frame)
    }

    /// Adds a finished node to the open collection (or makes it the root), registering its anchor.
    private mutating func add(_ node: YAMLNode, anchor: String?, size: Int, counted: Bool = false, aliasAt: SourceLocation? = nil) throws(ConfigError) {
        if !counted { nodeCount += size }
        if nodeCount > limits.maxNodes {
            throw ConfigError(.error("document expands to more than \(limits.maxNodes) nodes\(aliasAt == nil ? "" : " through aliases (an alias bomb?)")", at: aliasAt ?? node.location))
        }
        if let anchor { anchors[anchor] = (node, size) }
        var placed = node
        // An alias keeps the anchored content but takes the position where it is used for its root.
        if let aliasAt { placed.location = aliasAt }
        if stack.isEmpty {
            root = placed
        } else {
            stack[stack.count - 1].children.append(placed)
        }
    }

    /// Pairs up a mapping's keys and values, applies merge keys and refuses duplicate keys.
    private func mapping(_ entries: [YAMLNode]) throws(ConfigError) -> [YAMLNode.Pair] {
        var explicit: [YAMLNode.Pair] = []
        var seen: [String: SourceLocation] = [:]
        var merges: [(index: Int, sources: [YAMLNode])] = []
        var i = 0
        while i + 1 < entries.count {
            let key = entries[i], value = entries[i + 1]
            i += 2
            guard let k = key.scalar else {
                throw ConfigError(.error("a mapping key must be a plain value, not \(key.kindDescription)", at: key.location))
            }
            if k.isPlain, k.tag == nil, k.text == "<<" {
                let sources: [YAMLNode]
                switch value.kind {
                case .mapping: sources = [value]
                case .sequence(let items) where items.allSatisfy({ $0.pairs != nil }): sources = items
                default:
                    throw ConfigError(.error("a merge key '<<' takes a mapping or a list of mappings, not \(value.kindDescription)", at: value.location))
                }
                merges.append((explicit.count, sources))
                continue
            }
            if let first = seen[k.text] {
                throw ConfigError(.error("duplicate key '\(k.text)' in this mapping", at: key.location, notes: [.init("first given here", at: first)]))
            }
            seen[k.text] = key.location
            explicit.append(.init(key: key, value: value))
        }
        guard !merges.isEmpty else { return explicit }
        // Explicit keys win over merged ones; among merged sources, earlier ones win.
        var result: [YAMLNode.Pair] = []
        var taken = Set(seen.keys)
        var nextExplicit = 0
        for merge in merges {
            while nextExplicit < merge.index { result.append(explicit[nextExplicit]); nextExplicit += 1 }
            for source in merge.sources {
                for pair in source.pairs ?? [] {
                    guard let name = pair.key.text, !taken.contains(name) else { continue }
                    taken.insert(name)
                    result.append(pair)
                }
            }
        }
        result.append(contentsOf: explicit[nextExplicit...])
        return result
    }

    private func coreTag(_ tag: String?, at: SourceLocation, allowed: Set<YAMLNode.CoreTag>) throws(ConfigError) -> YAMLNode.CoreTag? {
        guard let tag, tag != "!" else { return nil }
        let prefix = "tag:yaml.org,2002:"
        if tag.hasPrefix(prefix), let core = YAMLNode.CoreTag(rawValue: String(tag.dropFirst(prefix.count))), allowed.contains(core) {
            return core
        }
        let shown = tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
        let names = allowed.map { "!!\($0.rawValue)" }.sorted().joined(separator: ", ")
        throw ConfigError(.error("tag '\(shown)' is not allowed here; netrun accepts only the plain core tags (\(names))", at: at))
    }

    private func parseError(_ parser: yaml_parser_t) -> ConfigError {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        var message = problem
        if let context = parser.context.map({ String(cString: $0) }) { message += " (\(context))" }
        if problem.contains("did not find expected key") {
            message = "indentation does not line up with the mapping above (libyaml: \(message))"
        } else if problem.contains("mapping values are not allowed") {
            message += "; check the indentation, or quote a value that contains ': '"
        }
        let at: SourceLocation
        switch parser.error {
        case YAML_READER_ERROR:
            at = SourceLocation(file: file, line: 1, column: Int(parser.problem_offset) + 1)
        default:
            at = location(parser.problem_mark)
        }
        var notes: [Diagnostic.Note] = []
        if parser.context != nil, parser.context_mark.line != parser.problem_mark.line || parser.context_mark.column != parser.problem_mark.column {
            notes.append(.init("while reading this", at: location(parser.context_mark)))
        }
        return ConfigError(.error(message, at: at, notes: notes))
    }
}
