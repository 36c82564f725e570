import Foundation
import NetrunConfig
import NetrunFormats
import NetrunGraph
import Testing
import _NetrunTestSupport
@testable import NetrunBackend

/// Forward and backward parity with PyTorch for any graph: `netrun summary --format json`
/// describes the graph, Fixtures/torch_graph.py rebuilds it with torch.nn.functional, draws
/// weights, input and labels, and writes the inference output, the training objective, every
/// gradient and the updated batch-norm statistics; netrun must give the same.
@Suite(.enabled(if: torchAvailable || torchRequired, "python3 with torch and numpy"))
struct TorchGraphParityTests {
    /// A config and the overrides that make it comparable (dropout off in training: masks differ).
    static let cases: [(String, [String])] = [
        ("new-ops", []),
        ("every-op", ["model.layers.17.rate=0"]),
        // Label smoothing on both heads (torch.nn.functional.cross_entropy's label_smoothing).
        ("every-op", ["model.layers.17.rate=0", "model.layers.aux_loss.label_smoothing=0.1", "model.layers.loss.label_smoothing=0.25"]),
        ("tiny-googlenet", ["model.layers.8.rate=0", "model.layers.13.rate=0"]),
        ("fashion-resnet", []),
    ]

    static func path(_ name: String) throws -> String {
        name.hasPrefix("fashion") ? configPath(name) : try fixturePath("\(name).yaml")
    }

    @Test(arguments: cases)
    func forwardAndBackwardMatchPyTorch(name: String, overrides: [String]) throws {
        try #require(torchAvailable, "NETRUN_REQUIRE_TORCH is set but python3 cannot import torch and numpy")
        let config = try Self.path(name)
        let script = try fixturePath("torch_graph.py")
        try withTemporaryDirectory { dir in
            let summary = netrun(["summary", config, "--format", "json"] + overrides.flatMap { ["--set", $0] })
            try #require(summary.code == 0, "\(summary.err)")
            try summary.out.write(toFile: "\(dir)/graph.json", atomically: true, encoding: .utf8)
            let status = runProcess("/usr/bin/env", ["python3", script, "\(dir)/graph.json", "--out", dir, "--batch", "3"])
            try #require(status == 0, "torch_graph.py failed")

            let loaded = ConfigLoader.load(file: config, overrides: overrides)
            let graph = try #require(loaded.config.flatMap { GraphBuilder.build($0).graph })
            var parameters = ParameterStore(graph: graph)
            try parameters.load(path: "\(dir)/weights.safetensors")
            let x = try NPY.read(path: "\(dir)/input.npy")
            let labels = try NPY.read(path: "\(dir)/labels.npy").values.map { Int32($0) }

            // Inference: the output node with running statistics.
            let predictor = try Predictor(graph: graph, node: nil, batch: 3)
            let y = predictor.run(&parameters, input: x.values, count: 3)
            let expected = try NPY.read(path: "\(dir)/output.npy")
            #expect(relativeError(y, expected.values) < 1e-5, "\(name): inference output")

            // Training: the objective, every gradient, the input's, and the running statistics.
            let executor = Executor(graph: graph, batch: 3, mode: .training, parameters: parameters,
                                    options: PlanOptions(inputGradient: true))
            executor.setInput(x.values)
            executor.setLabels(labels)
            let loss = executor.forward(&parameters)
            let torchLoss = try NPY.read(path: "\(dir)/loss.npy").values[0]
            #expect(abs(loss - torchLoss) <= 1e-5 * max(1, abs(torchLoss)), "\(name): loss \(loss) against \(torchLoss)")
            executor.backward(parameters)
            let grads = try Safetensors.read(path: "\(dir)/grads.safetensors")
            let analytic = executor.parameterGradientValues
            var compared = 0
            for e in parameters.entries where e.learnable {
                let t = try #require(grads[e.name], "\(name): torch has no gradient for \(e.name)")
                let err = relativeError(Array(analytic[e.offset ..< e.offset + e.count]), t.values)
                #expect(err < 1e-4, "\(name): gradient of \(e.name), relative error \(err)")
                compared += 1
            }
            #expect(compared == parameters.entries.filter(\.learnable).count)
            let dx = try #require(executor.inputGradientValues)
            #expect(relativeError(dx, try #require(grads["input"]).values) < 1e-4, "\(name): input gradient")
            let running = try Safetensors.read(path: "\(dir)/running.safetensors")
            for t in running.tensors {
                let ours = try #require(parameters.tensor(t.name))
                #expect(relativeError(ours, t.values) < 1e-5, "\(name): \(t.name) after the training forward")
            }
        }
    }
}
