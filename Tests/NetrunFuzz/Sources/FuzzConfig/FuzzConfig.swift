import Foundation
import NetrunConfig
import NetrunGraph

/// One input: bytes up to the first NUL are a config file; each NUL-separated piece after
/// it is a `--set` override. The front-end runs as `netrun validate` runs it: load (with
/// `extends`, overrides, blocks), build the graph from the partial model, render every
/// diagnostic with its source excerpt, and for a good config its resolved text, DOT and
/// inference graph. A trap, a sanitizer report, a hang, or a load that yields neither a
/// config nor an error is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    let pieces = bytes.split(separator: 0, maxSplits: 8, omittingEmptySubsequences: false)
    let yaml = Array(pieces.first ?? [])
    let overrides = pieces.dropFirst().compactMap { String(validating: $0, as: UTF8.self) }

    // On disk too: the renderer reads source lines from the file, and relative `extends`
    // paths resolve next to it (where base.yaml waits).
    let file = Workspace.shared.file
    guard FileManager.default.createFile(atPath: file, contents: Data(yaml)) else {
        fatalError("cannot write \(file)")
    }
    // Valid UTF-8 goes through the in-memory entry point; anything else through the file
    // reader, which is where the CLI meets such bytes.
    let loaded = String(validating: yaml, as: UTF8.self).map {
        ConfigLoader.load(text: $0, file: file, overrides: overrides)
    } ?? ConfigLoader.load(file: file, overrides: overrides)

    var diagnostics = loaded.diagnostics
    if let model = loaded.partialModel {
        let built = GraphBuilder.build(model)
        diagnostics.append(contentsOf: built.diagnostics)
        if let graph = built.graph {
            _ = graph.dot(name: "fuzz")
            let inference = graph.inference()
            _ = (inference.parameterCount, inference.inferenceMACs, graph.parameters.count)
        }
    }
    if let config = loaded.config { _ = config.resolved.resolvedText() }
    var renderer = DiagnosticRenderer()
    for d in diagnostics.sorted { _ = renderer.render(d) }
    if loaded.config == nil, !loaded.diagnostics.hasErrors {
        fatalError("the load gave neither a config nor an error")
    }
    return 0
}

/// A private directory holding the current input as fuzz.yaml, and base.yaml (a copy of
/// Configs/fashion-alexnet.yaml) for inputs that say `extends: base.yaml`.
struct Workspace: Sendable {
    static let shared = Workspace()
    let file: String

    init() {
        let directory = NSTemporaryDirectory() + "netrun-fuzz-config-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        file = directory + "/fuzz.yaml"
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        if let base = FileManager.default.contents(atPath: repository.path + "/Configs/fashion-alexnet.yaml") {
            _ = FileManager.default.createFile(atPath: directory + "/base.yaml", contents: base)
        }
        atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "netrun-fuzz-config-\(getpid())") }
    }
}
