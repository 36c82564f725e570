import Foundation
@testable import NetrunLSP

/// The repository's Configs/ folder.
let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Configs").path

/// A new temporary directory.
func temporaryDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("netrun-lsp-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Drives a `LanguageServer` in-process as an editor would, keeping what it sends.
final class Client {
    private final class Outbox { var messages: [[String: Any]] = [] }
    private let outbox = Outbox()
    let server: LanguageServer
    private var nextID = 1

    init(initialize: Bool = true) {
        let box = outbox
        server = LanguageServer { bytes in
            if let m = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] { box.messages.append(m) }
        }
        if initialize {
            _ = request("initialize", ["capabilities": [:] as [String: Any]])
            notify("initialized", [:])
        }
    }

    /// Everything sent since the last call.
    func take() -> [[String: Any]] {
        defer { outbox.messages = [] }
        return outbox.messages
    }

    func raw(_ text: String) { server.handle(Array(text.utf8)) }

    func notify(_ method: String, _ params: [String: Any]) {
        send(["jsonrpc": "2.0", "method": method, "params": params])
    }

    /// Sends a request and returns its response.
    func request(_ method: String, _ params: [String: Any]? = nil) -> [String: Any] {
        let id = nextID
        nextID += 1
        var m: [String: Any] = ["jsonrpc": "2.0", "id": id, "method": method]
        if let params { m["params"] = params }
        send(m)
        return take().first { ($0["id"] as? Int) == id } ?? [:]
    }

    private func send(_ m: [String: Any]) {
        // Swift Testing's failures read better than a crash: a message that cannot be encoded is a test bug.
        guard let data = try? JSONSerialization.data(withJSONObject: m) else { return }
        server.handle([UInt8](data))
    }

    // Documents

    func open(_ uri: String, _ text: String, version: Int = 1) {
        notify("textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "yaml", "version": version, "text": text]])
    }

    func change(_ uri: String, version: Int, _ changes: [[String: Any]]) {
        notify("textDocument/didChange", ["textDocument": ["uri": uri, "version": version], "contentChanges": changes])
    }

    /// The diagnostics published when the server finds its input idle.
    func diagnostics() -> [[String: Any]] {
        server.publishPending()
        return take().filter { ($0["method"] as? String) == "textDocument/publishDiagnostics" }.compactMap { $0["params"] as? [String: Any] }
    }

    func at(_ method: String, _ uri: String, _ line: Int, _ character: Int) -> Any? {
        request(method, ["textDocument": ["uri": uri], "position": ["line": line, "character": character]])["result"]
    }
}

/// A range's start as (line, character).
func start(_ d: [String: Any]) -> (Int, Int)? {
    guard let r = d["range"] as? [String: Any], let s = r["start"] as? [String: Any], let l = s["line"] as? Int, let c = s["character"] as? Int else { return nil }
    return (l, c)
}

func range(_ line: Int, _ c0: Int, _ l1: Int, _ c1: Int) -> [String: Any] {
    ["start": ["line": line, "character": c0], "end": ["line": l1, "character": c1]]
}

/// The line and UTF-16 character of the first `needle` in `text`.
func position(of needle: String, in text: String, after: String? = nil) -> (line: Int, character: Int)? {
    var search = text.startIndex..<text.endIndex
    if let after, let a = text.range(of: after) { search = a.upperBound..<text.endIndex }
    guard let r = text.range(of: needle, range: search) else { return nil }
    let before = text[..<r.lowerBound]
    let line = before.filter { $0 == "\n" }.count
    let lineStart = before.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
    return (line, text[lineStart..<r.lowerBound].utf16.count)
}

func labels(_ result: Any?) -> [String] {
    ((result as? [String: Any])?["items"] as? [[String: Any]])?.compactMap { $0["label"] as? String } ?? []
}
