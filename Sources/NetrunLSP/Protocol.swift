// The JSON-RPC 2.0 envelope and the LSP 3.17 types the server reads and writes, as Codable
// structs: written by hand (no Swift LSP library is among the packages this machine serves),
// only the fields netrun uses. Decoding skips unknown fields, so newer clients work.
import Foundation

/// A request's id: a number or a string, echoed back in the response.
public enum RequestID: Codable, Hashable, Sendable {
    case int(Int)
    case string(String)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }
}

/// What every incoming message has: a request has an id and a method, a notification only
/// a method, a response (to a server request; netrun sends none) only an id.
struct Envelope: Decodable {
    var id: RequestID?
    var method: String?
}

/// The `params` of a message, decoded as `P`.
struct Params<P: Decodable>: Decodable {
    var params: P
}

/// JSON-RPC's error codes that the server answers with.
enum ErrorCode: Int {
    case parseError = -32700
    case invalidRequest = -32600
    case methodNotFound = -32601
    case invalidParams = -32602
    case serverNotInitialized = -32002
}

struct ResponseError: Encodable {
    var code: Int
    var message: String
}

/// A response: `result` is always written, as `null` when nil (a hover with nothing to show).
struct Response<R: Encodable>: Encodable {
    var id: RequestID?
    var result: R?
    var error: ResponseError?

    enum CodingKeys: String, CodingKey { case jsonrpc, id, result, error }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("2.0", forKey: .jsonrpc)
        if let id { try c.encode(id, forKey: .id) } else { try c.encodeNil(forKey: .id) }
        if let error { try c.encode(error, forKey: .error) } else if let result { try c.encode(result, forKey: .result) } else { try c.encodeNil(forKey: .result) }
    }
}

struct Notification<P: Encodable>: Encodable {
    var jsonrpc = "2.0"
    var method: String
    var params: P
}

// MARK: - Basic structures

/// A position in a document: 0-based line, and 0-based character in UTF-16 code units.
public struct Position: Codable, Hashable, Sendable, Comparable {
    public var line: Int
    public var character: Int

    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }

    public static func < (a: Position, b: Position) -> Bool { (a.line, a.character) < (b.line, b.character) }
}

public struct Range: Codable, Hashable, Sendable {
    public var start: Position
    public var end: Position

    public init(start: Position, end: Position) {
        self.start = start
        self.end = end
    }

    func contains(_ p: Position) -> Bool { start <= p && p <= end }
}

public struct Location: Codable, Hashable, Sendable {
    public var uri: String
    public var range: Range
}

struct TextDocumentIdentifier: Codable {
    var uri: String
}

struct TextDocumentItem: Codable {
    var uri: String
    var languageId: String?
    var version: Int
    var text: String
}

struct VersionedTextDocumentIdentifier: Codable {
    var uri: String
    var version: Int?
}

struct DidOpenParams: Codable {
    var textDocument: TextDocumentItem
}

struct ContentChange: Codable {
    /// nil: the whole text is replaced.
    var range: Range?
    var text: String
}

struct DidChangeParams: Codable {
    var textDocument: VersionedTextDocumentIdentifier
    var contentChanges: [ContentChange]
}

struct DidCloseParams: Codable {
    var textDocument: TextDocumentIdentifier
}

struct TextDocumentPositionParams: Codable {
    var textDocument: TextDocumentIdentifier
    var position: Position
}

struct DocumentParams: Codable {
    var textDocument: TextDocumentIdentifier
}

// MARK: - Diagnostics

public struct LSPDiagnostic: Codable, Hashable, Sendable {
    public enum Severity: Int, Codable, Sendable { case error = 1, warning = 2, information = 3, hint = 4 }

    public struct Related: Codable, Hashable, Sendable {
        public var location: Location
        public var message: String
    }

    public var range: Range
    public var severity: Severity?
    public var source: String?
    public var message: String
    public var relatedInformation: [Related]?
}

struct PublishDiagnosticsParams: Codable {
    var uri: String
    var version: Int?
    var diagnostics: [LSPDiagnostic]
}

// MARK: - Features

public struct MarkupContent: Codable, Hashable, Sendable {
    public var kind = "markdown"
    public var value: String
}

public struct Hover: Codable, Hashable, Sendable {
    public var contents: MarkupContent
    public var range: Range?
}

public struct TextEdit: Codable, Hashable, Sendable {
    public var range: Range
    public var newText: String
}

public struct CompletionItem: Codable, Hashable, Sendable {
    /// LSP's CompletionItemKind values used here.
    public enum Kind: Int, Codable, Sendable { case function = 3, field = 5, property = 10, value = 12, `enum` = 13, enumMember = 20, reference = 18, module = 9, variable = 6 }

    public var label: String
    public var kind: Kind?
    public var detail: String?
    public var documentation: MarkupContent?
    public var textEdit: TextEdit?
    public var sortText: String?
}

struct CompletionList: Codable {
    var isIncomplete: Bool
    var items: [CompletionItem]
}

public struct DocumentSymbol: Codable, Hashable, Sendable {
    /// LSP's SymbolKind values used here.
    public enum Kind: Int, Codable, Sendable { case module = 2, class_ = 5, function = 12, field = 8 }

    public var name: String
    public var detail: String?
    public var kind: Kind
    public var range: Range
    public var selectionRange: Range
    public var children: [DocumentSymbol]?
}

struct CodeActionContext: Codable {
    var diagnostics: [LSPDiagnostic]
}

struct CodeActionParams: Codable {
    var textDocument: TextDocumentIdentifier
    var range: Range
    var context: CodeActionContext
}

public struct WorkspaceEdit: Codable, Hashable, Sendable {
    public var changes: [String: [TextEdit]]
}

public struct CodeAction: Codable, Hashable, Sendable {
    public var title: String
    public var kind: String?
    public var diagnostics: [LSPDiagnostic]?
    public var isPreferred: Bool?
    public var edit: WorkspaceEdit?
}

// MARK: - initialize

struct InitializeResult: Encodable {
    struct Capabilities: Encodable {
        struct Sync: Encodable {
            var openClose = true
            /// 2: incremental; full replacements are accepted as well.
            var change = 2
        }
        struct CompletionOptions: Encodable {
            var triggerCharacters: [String]
        }
        struct CodeActionOptions: Encodable {
            var codeActionKinds = ["quickfix"]
        }
        var positionEncoding = "utf-16"
        var textDocumentSync = Sync()
        var hoverProvider = true
        var completionProvider = CompletionOptions(triggerCharacters: ["{", ",", " ", "$", ":"])
        var definitionProvider = true
        var documentSymbolProvider = true
        var codeActionProvider = CodeActionOptions()
    }
    struct ServerInfo: Encodable {
        var name = "netrun"
        var version: String
    }
    var capabilities = Capabilities()
    var serverInfo: ServerInfo
}
