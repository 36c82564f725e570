import Foundation
@testable import NetrunConfig

/// A small valid model, for tests that change one thing.
let tinyModel = """
model:
  input: [1, 8, 8]
  classes: 4
  layers:
    - conv: {name: c1, out: 4, kernel: 3, pad: 1, act: relu}
    - dense: {name: fc, out: 4}
    - loss: {name: loss}
"""

/// A fresh temporary directory holding the given files (name -> contents).
func temporaryDirectory(_ files: [String: String] = [:]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("netrun-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    for (name, text) in files {
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    }
    return dir
}

extension LoadResult {
    /// The first error, for tests that expect exactly one kind of mistake.
    var firstError: Diagnostic? { diagnostics.sorted.first { $0.severity == .error } }
}
