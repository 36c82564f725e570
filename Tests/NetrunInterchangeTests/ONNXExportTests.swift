import Foundation
import NetrunBackend
import NetrunFormats
import NetrunGraph
import NetrunInterchange
import Testing
import _NetrunTestSupport

/// Runs `executable` with `arguments`; exit status and standard output (standard error dropped).
func capture(_ executable: String, _ arguments: [String], directory: String? = nil, mergeErrors: Bool = false) -> (status: Int32, out: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = mergeErrors ? pipe : FileHandle.nullDevice
    do { try p.run() } catch { return (-1, "") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// python3 with onnx, onnxruntime and numpy (checked once).
let onnxAvailable = capture("/usr/bin/env", ["python3", "-c", "import onnx, onnxruntime, numpy"]).status == 0
/// Set in CI: the parity tests must run (and fail when the Python packages are missing).
let onnxRequired = ProcessInfo.processInfo.environment["NETRUN_REQUIRE_TORCH"] == "1"

/// Checks the file with onnx.checker (full check: shape inference too), runs it in
/// onnxruntime on X.npy, and prints the relative error against Y.npy and the output shape.
let onnxParityScript = """
import json, sys
import numpy as np, onnx, onnxruntime as ort
path, x, y = sys.argv[1:4]
onnx.checker.check_model(path, full_check=True)
session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
out = session.run(None, {"input": np.load(x)})[0].astype(np.float64)
ref = np.load(y).astype(np.float64)
rel = float(np.linalg.norm(out - ref) / max(np.linalg.norm(ref), 1e-300)) if out.shape == ref.shape else float("inf")
print(json.dumps({"rel": rel, "shape": list(out.shape), "max_abs": float(np.abs(out - ref).max()) if out.shape == ref.shape else None}))
"""

/// Parity of `netrun export` with `netrun predict`: random weights (batch norm's running
/// statistics randomized too, so that they are read) and a random batch.
@Suite(.enabled(if: onnxAvailable || onnxRequired, "python3 with onnx, onnxruntime and numpy"))
struct ONNXExportTests {
    struct Outcome {
        var relative: Double
        var bytes: Int
        var shape: String
    }

    func parity(config: String, batch: Int) throws -> Outcome {
        try #require(onnxAvailable, "NETRUN_REQUIRE_TORCH is set but python3 cannot import onnx, onnxruntime and numpy (pip install onnx onnxruntime)")
        return try withTemporaryDirectory { dir in
            let graph = try loadGraph(config)
            var parameters = ParameterStore(graph: graph)
            parameters.initialize(seed: 11)
            var rng = SystemRandomNumberGenerator()
            for e in parameters.entries where e.name.hasSuffix(".running_mean") || e.name.hasSuffix(".running_var") {
                let mean = e.name.hasSuffix(".running_mean")
                for i in e.offset ..< e.offset + e.count { parameters.values[i] = mean ? Float.random(in: -0.5 ... 0.5, using: &rng) : Float.random(in: 0.5 ... 1.5, using: &rng) }
            }
            try parameters.save(path: "\(dir)/w.safetensors")
            let x = (0 ..< batch * graph.inputShape.count).map { _ in Float.random(in: -1 ... 1, using: &rng) }
            try NPY.write(NPYArray(shape: [batch] + graph.inputShape.dims, values: x), to: "\(dir)/x.npy")
            let p = netrun(["predict", config, "--weights", "\(dir)/w.safetensors", "--input", "\(dir)/x.npy", "--output", "\(dir)/y.npy"])
            try #require(p.code == 0, "\(p.err)")
            let e = netrun(["export", config, "--weights", "\(dir)/w.safetensors", "-o", "\(dir)/m.onnx"])
            try #require(e.code == 0, "\(e.err)")
            let r = capture("/usr/bin/env", ["python3", "-c", onnxParityScript, "\(dir)/m.onnx", "\(dir)/x.npy", "\(dir)/y.npy"], mergeErrors: true)
            try #require(r.status == 0, "onnx check or onnxruntime failed: \(r.out)")
            let line = try #require(r.out.split(separator: "\n").last.map(String.init))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let rel = try #require(json["rel"] as? Double)
            let size = (try? FileManager.default.attributesOfItem(atPath: "\(dir)/m.onnx")[.size] as? Int) ?? 0
            let outcome = Outcome(relative: rel, bytes: size, shape: "\(json["shape"] ?? "")")
            print("onnx parity \(config.split(separator: "/").last ?? ""): relative error \(rel), max abs \(json["max_abs"] ?? "-"), \(size) bytes, output \(outcome.shape)")
            return outcome
        }
    }

    @Test(arguments: ["fashion-alexnet", "fashion-googlenet", "fashion-resnet"])
    func onnxruntimeAgreesWithPredictOnTheFashionNetworks(model: String) throws {
        let o = try parity(config: configPath(model), batch: 4)
        #expect(o.relative < 1e-4, "\(model): relative error \(o.relative)")
    }

    @Test(arguments: ["every-op.yaml", "new-ops.yaml"])
    func onnxruntimeAgreesWithPredictOnTheFixturesOfEveryOp(fixture: String) throws {
        let o = try parity(config: try fixturePath(fixture), batch: 5)
        #expect(o.relative < 1e-4, "\(fixture): relative error \(o.relative)")
    }

    @Test func onnxruntimeAgreesWithPredictOnAlexNet() throws {
        let o = try parity(config: configPath("alexnet"), batch: 2)
        #expect(o.relative < 1e-4, "alexnet: relative error \(o.relative)")
    }

    @Test func onnxruntimeAgreesWithPredictOnGoogLeNet() throws {
        let o = try parity(config: configPath("googlenet"), batch: 2)
        #expect(o.relative < 1e-4, "googlenet: relative error \(o.relative)")
    }
}

/// The exporter takes its weights as a safetensors file's tensors; one the graph needs and
/// the weights lack is an error naming it, not a crash. (No onnx needed.)
struct ONNXExportWeightsTests {
    @Test func weightsWithoutATensorTheGraphNeedsAreAnErrorNamingIt() throws {
        let graph = try loadGraph(configPath("fashion-alexnet"))
        var parameters = ParameterStore(graph: graph)
        parameters.initialize(seed: 1)
        let all = parameters.namedTensors
        #expect(try !ONNXExport.model(graph: graph, weights: all, name: "x").isEmpty)
        let lacking = all.filter { $0.name != "conv2.weight" }
        #expect(throws: ONNXExportError.self) { try ONNXExport.model(graph: graph, weights: lacking, name: "x") }
        do {
            _ = try ONNXExport.model(graph: graph, weights: lacking, name: "x")
        } catch let error as ONNXExportError {
            #expect(error.description == "the weights have no tensor 'conv2.weight'")
        }
    }
}
