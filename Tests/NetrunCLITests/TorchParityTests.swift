import Foundation
import NetrunFormats
import Testing
import _NetrunTestSupport
@testable import NetrunBackend

/// The repository's forward reference (its networks are Tests/Peers/models.py).
let torchReferenceScript = "\(repositoryRoot)/Tests/Peers/reference.py"

/// True when python3 can import torch and numpy (checked once).
let torchAvailable: Bool = runProcess("/usr/bin/env", ["python3", "-c", "import torch, numpy"]) == 0

@discardableResult
func runProcess(_ executable: String, _ arguments: [String]) -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return -1 }
    p.waitUntilExit()
    return p.terminationStatus
}

/// Set in CI (`.ci/run`): the PyTorch parity tests must run, and fail when torch is missing.
let torchRequired = ProcessInfo.processInfo.environment["NETRUN_REQUIRE_TORCH"] == "1"

/// Live parity with PyTorch for all four networks (the full-size ones have hundreds of MB of
/// weights, so they are generated here rather than committed). Runs where torch is
/// installed, and always in CI, which installs it (`.ci/install --torch`) and sets
/// NETRUN_REQUIRE_TORCH=1. The fashion networks' references are also committed and always
/// run (ExecutorTests.forwardMatchesTheCommittedPyTorchReference).
@Suite(.enabled(if: torchAvailable || torchRequired, "python3 with torch and numpy"))
struct TorchParityTests {
    @Test(arguments: ["alexnet", "googlenet", "fashion-alexnet", "fashion-googlenet"])
    func predictMatchesPyTorch(model: String) throws {
        try #require(torchAvailable, "NETRUN_REQUIRE_TORCH is set but python3 cannot import torch and numpy")
        let script = torchReferenceScript
        try #require(FileManager.default.fileExists(atPath: script), "\(script) is missing")
        try withTemporaryDirectory { dir in
            let status = runProcess("/usr/bin/env", ["python3", script, "--model", model, "--batch", "2", "--out", dir])
            try #require(status == 0, "Tests/Peers/reference.py failed")
            let r = netrun(["predict", configPath(model), "--weights", "\(dir)/weights.safetensors",
                            "--input", "\(dir)/input.npy", "--output", "\(dir)/netrun.npy"])
            #expect(r.code == 0, "\(r.err)")
            let y = try NPY.read(path: "\(dir)/netrun.npy"), expected = try NPY.read(path: "\(dir)/output.npy")
            try #require(y.values.count == expected.values.count, "\(model): \(y.values.count) outputs, PyTorch's \(expected.values.count)")
            let error = relativeError(y.values, expected.values)
            let largest = zip(y.values, expected.values).map { abs($0 - $1) }.max() ?? 0
            #expect(error < 1e-4, "\(model): relative error \(error), largest difference \(largest)")
        }
    }
}
