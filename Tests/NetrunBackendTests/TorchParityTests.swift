import Foundation
import NetrunFormats
import Testing
@testable import NetrunBackend

/// The bench's torch_reference.py, found beside the repository (../shared/bench) or in
/// NETRUN_BENCH.
let torchReferenceScript: String? = {
    let candidates = [ProcessInfo.processInfo.environment["NETRUN_BENCH"].map { "\($0)/torch_reference.py" },
                      "\(repositoryRoot)/../shared/bench/torch_reference.py", "\(repositoryRoot)/bench/torch_reference.py"]
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

/// Live parity with PyTorch for the two full-size networks (hundreds of MB of weights, so
/// generated here rather than committed). Runs only where torch is installed; CI runs
/// .ci/parity.sh, which installs torch. The fashion networks' references are committed and
/// always run (ExecutorTests.forwardMatchesTheCommittedPyTorchReference).
@Suite(.enabled(if: torchAvailable, "python3 with torch and numpy, and bench/torch_reference.py"))
struct TorchParityTests {
    @Test(arguments: ["alexnet", "googlenet", "fashion-alexnet", "fashion-googlenet"])
    func predictMatchesPyTorch(model: String) throws {
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
