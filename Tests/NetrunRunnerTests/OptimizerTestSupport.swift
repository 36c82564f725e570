import Foundation

/// True when python3 can import torch (checked once).
let torchAvailable: Bool = (try? runPython("import torch")) != nil
/// CI sets NETRUN_REQUIRE_TORCH=1 so that the live PyTorch comparisons fail rather than skip.
let torchRequired = ProcessInfo.processInfo.environment["NETRUN_REQUIRE_TORCH"] == "1"

struct PythonError: Error, CustomStringConvertible {
    var description: String
}

/// Runs a Python script with python3 and returns its standard output; throws with its
/// standard error when it fails.
func runPython(_ script: String) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script]
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw PythonError(description: "python3 failed (\(p.terminationStatus)): \(String(decoding: errors, as: UTF8.self))")
    }
    return String(decoding: data, as: UTF8.self)
}
