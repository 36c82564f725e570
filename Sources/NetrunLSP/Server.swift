import Foundation
import NetrunConfig

/// The language server's state and dispatch: one JSON-RPC message in, zero or more out.
/// It runs on one thread (the transport's loop); diagnostics of changed documents are
/// computed when the loop finds no more input waiting (`publishPending`), for the latest
/// version only, so a burst of edits costs one check and no stale result is ever sent.
public final class LanguageServer {
    /// Receives each outgoing message body (JSON, unframed).
    public typealias Output = ([UInt8]) -> Void

    private let output: Output
    private let serverVersion: String
    private var initialized = false
    public private(set) var shutdownRequested = false
    /// Set by the `exit` notification: 0 after `shutdown`, 1 without it.
    public private(set) var exitCode: Int32?

    private var documents: [String: TextDocument] = [:]
    private var analyses: [String: Analysis] = [:]
    /// Documents whose diagnostics are due, in the order they changed.
    private var pending: [String] = []
    /// Documents with diagnostics showing in the client, to clear when they stop applying.
    private var showing: Set<String> = []

    private let decoder = JSONDecoder()
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }()

    public init(version: String = "0.1.0", output: @escaping Output) {
        self.output = output
        self.serverVersion = version
    }

    public var hasPendingDiagnostics: Bool { !pending.isEmpty }

    // MARK: - Messages

    /// Handles one message body.
    public func handle(_ body: [UInt8]) {
        let data = Data(body)
        guard let envelope = try? decoder.decode(Envelope.self, from: data) else {
            send(Response<Bool>(id: nil, result: nil, error: ResponseError(code: ErrorCode.parseError.rawValue, message: "not a JSON-RPC message")))
            return
        }
        guard let method = envelope.method else { return }   // a response: the server sends no requests
        if let id = envelope.id {
            request(id, method, data)
        } else {
            notification(method, data)
        }
    }

    private func request(_ id: RequestID, _ method: String, _ data: Data) {
        if method == "initialize" {
            initialized = true
            respond(id, InitializeResult(serverInfo: .init(version: serverVersion)))
            return
        }
        guard initialized else { return fail(id, .serverNotInitialized, "initialize first") }
        guard !shutdownRequested else { return fail(id, .invalidRequest, "the server is shutting down") }
        switch method {
        case "shutdown":
            shutdownRequested = true
            respond(id, Optional<Bool>.none)
        case "textDocument/hover":
            answer(id, data) { (p: TextDocumentPositionParams) in
                self.withDocument(p.textDocument.uri) { Features.hover($0, $1, p.position) }
            }
        case "textDocument/completion":
            answer(id, data) { (p: TextDocumentPositionParams) in
                self.withDocument(p.textDocument.uri) { Features.completion($0, $1, p.position).map { CompletionList(isIncomplete: false, items: $0) } }
            }
        case "textDocument/definition":
            answer(id, data) { (p: TextDocumentPositionParams) in
                self.withDocument(p.textDocument.uri) { Features.definition($0, $1, p.position) }
            }
        case "textDocument/documentSymbol":
            answer(id, data) { (p: DocumentParams) in
                self.withDocument(p.textDocument.uri) { Features.symbols($0, $1) }
            }
        case "textDocument/codeAction":
            answer(id, data) { (p: CodeActionParams) in
                self.withDocument(p.textDocument.uri) { Features.codeActions($0, $1, p.context.diagnostics) }
            }
        default:
            fail(id, .methodNotFound, "no method '\(method.clipped())'")
        }
    }

    private func notification(_ method: String, _ data: Data) {
        switch method {
        case "exit":
            exitCode = shutdownRequested ? 0 : 1
        case "textDocument/didOpen":
            guard initialized, let p = try? decoder.decode(Params<DidOpenParams>.self, from: data).params else { return }
            let item = p.textDocument
            // YAML only: a file of another language is not tracked, whatever its text.
            let lowered = item.uri.lowercased()
            guard item.languageId.map({ $0 == "yaml" }) ?? true || lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") else { return }
            documents[item.uri] = TextDocument(uri: item.uri, version: item.version, text: item.text)
            due(item.uri)
        case "textDocument/didChange":
            guard initialized, let p = try? decoder.decode(Params<DidChangeParams>.self, from: data).params,
                  var doc = documents[p.textDocument.uri] else { return }
            for change in p.contentChanges {
                if let range = change.range { doc.apply(range, change.text) } else { doc.replaceAll(with: change.text) }
            }
            doc.version = p.textDocument.version ?? doc.version + 1
            documents[doc.uri] = doc
            due(doc.uri)
        case "textDocument/didClose":
            guard initialized, let p = try? decoder.decode(Params<DidCloseParams>.self, from: data).params else { return }
            let uri = p.textDocument.uri
            documents[uri] = nil
            analyses[uri] = nil
            pending.removeAll { $0 == uri }
            if showing.remove(uri) != nil { publish(uri, version: nil, []) }
        default:
            break   // initialized, $/cancelRequest, workspace notifications: nothing to do
        }
    }

    private func due(_ uri: String) {
        pending.removeAll { $0 == uri }
        pending.append(uri)
    }

    // MARK: - Diagnostics

    /// Publishes the diagnostics of every document changed since the last call, each for
    /// its current version.
    public func publishPending() {
        let uris = pending
        pending = []
        for uri in uris {
            guard let doc = documents[uri] else { continue }
            let analysis = analysis(doc)
            if analysis.isConfig {
                publish(uri, version: doc.version, analysis.diagnostics(doc))
                showing.insert(uri)
            } else if showing.remove(uri) != nil {
                publish(uri, version: doc.version, [])
            }
        }
    }

    private func publish(_ uri: String, version: Int?, _ diagnostics: [LSPDiagnostic]) {
        send(Notification(method: "textDocument/publishDiagnostics", params: PublishDiagnosticsParams(uri: uri, version: version, diagnostics: diagnostics)))
    }

    /// The analysis of the document's current version, computed once per version.
    private func analysis(_ doc: TextDocument) -> Analysis {
        if let a = analyses[doc.uri], a.version == doc.version { return a }
        let a = Analysis(doc)
        analyses[doc.uri] = a
        return a
    }

    private func withDocument<R>(_ uri: String, _ body: (TextDocument, Analysis) -> R?) -> R? {
        guard let doc = documents[uri] else { return nil }
        let a = analysis(doc)
        guard a.isConfig else { return nil }
        return body(doc, a)
    }

    // MARK: - Responses

    private func answer<P: Decodable, R: Encodable>(_ id: RequestID, _ data: Data, _ body: (P) -> R?) {
        guard let p = try? decoder.decode(Params<P>.self, from: data).params else {
            return fail(id, .invalidParams, "the parameters do not have the expected form")
        }
        respond(id, body(p))
    }

    private func respond<R: Encodable>(_ id: RequestID, _ result: R?) {
        send(Response(id: id, result: result, error: nil))
    }

    private func fail(_ id: RequestID, _ code: ErrorCode, _ message: String) {
        send(Response<Bool>(id: id, result: nil, error: ResponseError(code: code.rawValue, message: message)))
    }

    private func send(_ message: some Encodable) {
        guard let data = try? encoder.encode(message) else { return }
        output([UInt8](data))
    }
}
