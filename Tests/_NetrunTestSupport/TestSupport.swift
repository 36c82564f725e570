// Helpers and fixtures shared by the test targets (backend and CLI).
import Foundation
import NetrunCLI
import NetrunConfig
import NetrunGraph
import NetrunKernels

/// The repository's root (for Configs/ and the bench scripts beside it).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Runs a netrun command line in-process: its exit code and what it printed. Where the
/// environment forces OpenBLAS onto kernels narrower than the CPU's (OPENBLAS_CORETYPE: some
/// machines set it for every process), each command that computes first warns so; that one
/// line is taken out of `err` here, so that a test about a command's own messages passes on
/// any machine. The warning itself is KernelEnvironmentTests' and CPUTests' subject.
public func netrun(_ arguments: [String]) -> (code: Int32, out: String, err: String) {
    let (code, console) = Netrun.run(arguments)
    var err = console.err
    if let warning = GEMM.library.warning { err = err.replacingOccurrences(of: "warning: \(warning)\n", with: "") }
    return (code, console.out, err)
}

public func configPath(_ name: String) -> String { "\(repositoryRoot)/Configs/\(name).yaml" }

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
}

/// The path of a committed fixture file or directory (Tests/_NetrunTestSupport/Fixtures).
public func fixturePath(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw TestSupportError(description: "fixture \(name) is missing from the test bundle")
    }
    return url.path
}

/// The graph of a config file, which must load without errors.
public func loadGraph(_ path: String) throws -> Graph {
    let loaded = ConfigLoader.load(file: path, overrides: [])
    guard let config = loaded.config else { throw TestSupportError(description: "\(path) does not load: \(loaded.diagnostics.all)") }
    let built = GraphBuilder.build(config)
    guard let graph = built.graph else { throw TestSupportError(description: "\(path) has no graph: \(built.diagnostics.all)") }
    return graph
}

/// A fresh empty directory, removed when `body` returns.
public func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = NSTemporaryDirectory() + "netrun-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// `||a - b|| / ||b||`, Tests/Peers/reference.py's --compare measure.
public func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    var num = 0.0, den = 0.0
    for i in a.indices {
        let d = Double(a[i]) - Double(b[i])
        num += d * d
        den += Double(b[i]) * Double(b[i])
    }
    return (num / max(den, 1e-300)).squareRoot()
}
