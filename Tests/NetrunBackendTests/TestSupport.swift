import Foundation
import NetrunBackend
import NetrunCLI
import NetrunConfig
import NetrunGraph
import Testing

/// The repository's root (for Configs/ and bench scripts).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

func configPath(_ name: String) -> String { "\(repositoryRoot)/Configs/\(name).yaml" }

/// The path of a committed fixture file or directory.
func fixturePath(_ name: String) throws -> String {
    try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
                 "fixture \(name) is missing from the test bundle").path
}

/// The graph of a config file, which must load without errors.
func loadGraph(_ path: String) throws -> Graph {
    let loaded = ConfigLoader.load(file: path, overrides: [])
    let config = try #require(loaded.config, "\(path) does not load")
    let built = GraphBuilder.build(config)
    return try #require(built.graph, "\(path) has no graph")
}

/// A fresh empty directory, removed when `body` returns.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "netrun-backend-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// `||a - b|| / ||b||`, torch_reference.py's --compare measure.
func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    var num = 0.0, den = 0.0
    for i in a.indices {
        let d = Double(a[i]) - Double(b[i])
        num += d * d
        den += Double(b[i]) * Double(b[i])
    }
    return (num / max(den, 1e-300)).squareRoot()
}

/// Runs a netrun command line in-process.
func netrun(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
    let (code, console) = Netrun.run(arguments)
    return (code, console.out, console.err)
}
