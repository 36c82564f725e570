import Foundation
import NetrunFormats
import Testing
import _NetrunTestSupport
@testable import NetrunBackend

/// The bench's torch_reference.py, found beside the repository (../shared/bench) or in
/// NETRUN_BENCH.
let torchReferenceScript: String? = {
    let candidates = [ProcessInfo.processInfo.environment["NETRUN_BENCH"].map { "\($0)/torch_reference.py" },
                      "\(repositoryRoot)/../shared/bench/torch_reference.py"]
    return candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0) }
}()

/// True when python3 can import torch and numpy (checked once).
let torchAvailable: Bool = {
    guard torchReferenceScript != nil else { return false }
    return runProcess("/usr/bin/env", ["python3", "-c", "import torch, numpy"]) == 0
}()

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
@Suite(.enabled(if: torchAvailable || torchRequired, "python3 with torch and numpy, and ../shared/bench/torch_reference.py"))
struct TorchParityTests {
    @Test(arguments: ["alexnet", "googlenet", "fashion-alexnet", "fashion-googlenet"])
    func predictMatchesPyTorch(model: String) throws {
        try #require(torchAvailable, "NETRUN_REQUIRE_TORCH is set but python3 cannot import torch and numpy, or ../shared/bench/torch_reference.py is missing")
        let script = try #require(torchReferenceScript)
        try withTemporaryDirectory { dir in
            let status = runProcess("/usr/bin/env", ["python3", script, "--model", model, "--batch", "2", "--out", dir])
            try #require(status == 0, "torch_reference.py failed")
            let r = netrun(["predict", configPath(model), "--weights", "\(dir)/weights.safetensors",
                            "--input", "\(dir)/input.npy", "--output", "\(dir)/netrun.npy"])
            #expect(r.code == 0, "\(r.err)")
            let y = try NPY.read(path: "\(dir)/netrun.npy"), expected = try NPY.read(path: "\(dir)/output.npy")
            let error = relativeError(y.values, expected.values)
            #expect(error < 1e-4, "\(model): relative error \(error)")
        }
    }
}
