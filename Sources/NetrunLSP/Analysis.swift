import Foundation
import NetrunConfig
import NetrunGraph

/// A step of the path from a document's root to a YAML node.
enum PathItem: Hashable, Sendable {
    case key(String)
    case index(Int)
}

/// A scalar of the document (a key or a value) with where it is and how it is reached.
struct Token: Sendable {
    /// From the root to the scalar; for a key, ends with the key itself.
    var path: [PathItem]
    var isKey: Bool
    var node: YAMLNode
    var range: Range

    var text: String { node.text ?? "" }
}

/// One version of a document checked: `netrun validate`'s diagnostics for its text, its
/// graph, and its scalars by position (when the text is valid YAML).
struct Analysis: Sendable {
    let version: Int
    /// The path the document is known by in netrun's locations.
    let file: String
    let isConfig: Bool
    let validation: Validation?
    let tree: YAMLNode?
    let tokens: [Token]

    init(_ doc: TextDocument) {
        version = doc.version
        file = Self.path(of: doc.uri)
        isConfig = Self.isNetrunConfig(doc.text)
        validation = isConfig ? Validation.check(text: doc.text, file: file) : nil
        var tree: YAMLNode?
        if isConfig { tree = try? YAMLReader.parse(doc.text, file: file) }
        self.tree = tree
        var tokens: [Token] = []
        if let tree { Self.collect(tree, path: [], doc: doc, into: &tokens) }
        self.tokens = tokens
    }

    /// Configs are YAML files with a top-level `model:` or `extends:` key; other YAML is left alone.
    static func isNetrunConfig(_ text: String) -> Bool {
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            for key in ["model", "extends"] where line.hasPrefix(key) {
                if line.dropFirst(key.count).drop(while: { $0 == " " }).first == ":" { return true }
            }
        }
        return false
    }

    /// A file URI's path (percent-decoded); other URIs (`untitled:`) as they are.
    static func path(of uri: String) -> String {
        if uri.hasPrefix("file://"), let url = URL(string: uri), url.isFileURL { return url.path }
        return uri
    }

    static func uri(of path: String) -> String {
        path.hasPrefix("/") ? URL(fileURLWithPath: path).absoluteString : path
    }

    private static func collect(_ node: YAMLNode, path: [PathItem], doc: TextDocument, into tokens: inout [Token]) {
        switch node.kind {
        case .scalar(let s):
            tokens.append(Token(path: path, isKey: false, node: node, range: range(of: node, s, doc)))
        case .sequence(let items):
            for (i, item) in items.enumerated() { collect(item, path: path + [.index(i)], doc: doc, into: &tokens) }
        case .mapping(let pairs):
            for pair in pairs {
                guard let s = pair.key.scalar else { continue }
                let p = path + [.key(s.text)]
                tokens.append(Token(path: p, isKey: true, node: pair.key, range: range(of: pair.key, s, doc)))
                collect(pair.value, path: p, doc: doc, into: &tokens)
            }
        }
    }

    /// A plain one-line scalar spans its text; anything else, the token at its start.
    private static func range(of node: YAMLNode, _ s: YAMLNode.Scalar, _ doc: TextDocument) -> Range {
        let start = doc.position(node.location)
        if s.isPlain, !s.text.contains("\n"), let line = doc.line(start.line) {
            let lineLength = line.utf16.count
            return Range(start: start, end: Position(line: start.line, character: min(start.character + s.text.utf16.count, lineLength)))
        }
        return doc.tokenRange(at: node.location)
    }

    /// The scalar under a position: the one whose span holds it (its end included, where a
    /// cursor sits after typing).
    func token(at p: Position) -> Token? {
        tokens.first { $0.range.start.line == p.line && $0.range.contains(p) && $0.range.start != $0.range.end }
    }

    // MARK: - Diagnostics

    /// `netrun validate`'s diagnostics as LSP diagnostics. A problem in a file this one
    /// `extends` is shown at the `extends:` line, naming its place; notes become related
    /// information.
    func diagnostics(_ doc: TextDocument) -> [LSPDiagnostic] {
        guard let validation else { return [] }
        var others: [String: TextDocument] = [:]
        func location(_ at: SourceLocation) -> Location {
            if at.file == file { return Location(uri: doc.uri, range: doc.tokenRange(at: at)) }
            if others[at.file] == nil {
                let text = (try? String(contentsOfFile: at.file, encoding: .utf8)) ?? ""
                others[at.file] = TextDocument(uri: Self.uri(of: at.file), version: 0, text: text)
            }
            let other = others[at.file] ?? TextDocument(uri: Self.uri(of: at.file), version: 0, text: "")
            return Location(uri: other.uri, range: other.tokenRange(at: at))
        }
        let extendsRange = tokens.first { $0.path == [.key("extends")] && !$0.isKey }?.range
            ?? tokens.first { $0.path == [.key("extends")] }?.range
            ?? Range(start: Position(line: 0, character: 0), end: Position(line: 0, character: 0))
        return validation.diagnostics.sorted.map { d in
            var related = d.notes.map { LSPDiagnostic.Related(location: location($0.location), message: $0.message) }
            let range: Range
            var message = d.message
            if d.location.file == file {
                range = doc.tokenRange(at: d.location)
            } else {
                range = extendsRange
                message = "\(d.location): \(d.message)"
                related.insert(LSPDiagnostic.Related(location: location(d.location), message: d.message), at: 0)
            }
            return LSPDiagnostic(range: range, severity: d.severity == .error ? .error : .warning, source: "netrun",
                                 message: message, relatedInformation: related.isEmpty ? nil : related)
        }
    }
}
