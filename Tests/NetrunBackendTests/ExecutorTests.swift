import Foundation
import NetrunConfig
import NetrunFormats
import NetrunGraph
import NetrunKernels
import Testing
import _NetrunTestSupport
@testable import NetrunBackend

@Suite struct ExecutorTests {
    /// PyTorch reference outputs committed under Fixtures/ (the files Tests/Peers/reference.py
    /// writes): these run without torch.
    @Test(arguments: ["fashion-alexnet", "fashion-googlenet"])
    func forwardMatchesTheCommittedPyTorchReference(model: String) throws {
        let dir = try fixturePath(model)
        let graph = try loadGraph(configPath(model))
        var parameters = ParameterStore(graph: graph)
        try parameters.load(path: "\(dir)/weights.safetensors")
        let x = try NPY.read(path: "\(dir)/input.npy"), expected = try NPY.read(path: "\(dir)/output.npy")
        let predictor = try Predictor(graph: graph, node: nil, batch: 2)
        let y = predictor.run(&parameters, input: x.values, count: x.shape[0])
        let error = relativeError(y, expected.values)
        #expect(error < 1e-4, "relative error \(error)")
    }

    @Test func chunkedBatchesGiveTheSameOutputs() throws {
        let dir = try fixturePath("fashion-googlenet")
        let graph = try loadGraph(configPath("fashion-googlenet"))
        var parameters = ParameterStore(graph: graph)
        try parameters.load(path: "\(dir)/weights.safetensors")
        let x = try NPY.read(path: "\(dir)/input.npy")
        let whole = try Predictor(graph: graph, node: nil, batch: 2).run(&parameters, input: x.values, count: 2)
        let single = try Predictor(graph: graph, node: nil, batch: 1).run(&parameters, input: x.values, count: 2)
        #expect(relativeError(single, whole) < 1e-6)
    }

    /// Whole graphs (fan-out, concat slices, auxiliary losses, buffer reuse) probed along
    /// random directions. ReLU, leaky ReLU and max pooling are swapped for tanh and average
    /// pooling: with every weight moving, some unit crosses a kink inside any usable step
    /// (new-ops with its leaky ReLUs kept: relative errors up to 0.11 on c1.weight; with tanh
    /// in their place every tensor is within 1e-3), and the per-node checks (CheckCommandTests)
    /// and the PyTorch parity (TorchGraphParityTests) cover those ops on their own.
    @Test(arguments: ["every-op.yaml", "tiny-googlenet.yaml", "new-ops.yaml"])
    func wholeGraphBackwardMatchesFiniteDifferences(fixture: String) throws {
        let text = try String(contentsOfFile: try fixturePath(fixture), encoding: .utf8)
            .replacingOccurrences(of: "act: relu", with: "act: tanh").replacingOccurrences(of: "maxpool:", with: "avgpool:")
            .replacingOccurrences(of: #"leaky_relu: \{name: (\w+), slope: [^}]*\}"#, with: "tanh:       {name: $1}", options: .regularExpression)
        try withTemporaryDirectory { dir in
            try text.write(toFile: "\(dir)/smooth.yaml", atomically: true, encoding: .utf8)
            let graph = try loadGraph("\(dir)/smooth.yaml")
            for seedOutput in [false, true] {
                let results = GradientCheck(graph: graph, batch: 3, directions: 3, seed: 11).run(seedOutput: seedOutput)
                #expect(results.count == graph.parameters.count + 1, "every learnable tensor and the input")
                for r in results {
                    #expect(r.worst <= GradientCheck.tolerance, "\(fixture) \(r.name): relative error \(r.worst)")
                    #expect(r.checked > 0, "\(fixture) \(r.name): nothing checked (\(r.kinks) kinks)")
                }
            }
        }
    }

    @Test func branchesWriteStraightIntoTheirConcatSlice() throws {
        let graph = try loadGraph(configPath("fashion-googlenet"))
        let analysis = PlanAnalysis(graph: graph.inference(), mode: .inference, options: PlanOptions())
        let g = graph.inference()
        let concat = try #require(g.node(named: "inception_3a"))
        for j in concat.inputs {
            #expect(analysis.placedIn[j]?.concat == concat.id, "\(g[j].name) is not placed")
        }
        // The pooled branch's input is not placed: its max pool reads it, and so do three convs.
        let pool = try #require(g.node(named: "inception_3a/pool"))
        #expect(analysis.placedIn[pool.id] == nil)
    }

    @Test func inferenceReusesTheMemoryOfDeadActivations() throws {
        let graph = try loadGraph(configPath("fashion-googlenet"))
        let parameters = ParameterStore(graph: graph)
        let executor = Executor(graph: graph, batch: 4, mode: .inference, parameters: parameters)
        let everyOutput = executor.graph.nodes.reduce(0) { $0 + 4 * $1.shape.count }
        // The convolutions' workspace (im2col columns, Winograd tiles) is one shared block apart.
        let activations = executor.floats.count - executor.workspaceCount
        #expect(activations < everyOutput / 2, "\(activations) floats for \(everyOutput) of outputs")
    }

    @Test func trainingLossesAreWeightedAndTrainOnlyHeadsRun() throws {
        let graph = try loadGraph(configPath("fashion-googlenet"))
        var parameters = ParameterStore(graph: graph)
        parameters.initialize(seed: 2)
        let executor = Executor(graph: graph, batch: 2, mode: .training, parameters: parameters)
        executor.setInput([Float](repeating: 0.5, count: 2 * 784))
        executor.setLabels([1, 7])
        let total = executor.forward(&parameters)
        let losses = executor.lossValues
        #expect(losses.count == 2)
        #expect(abs(losses.reduce(0, +) - total) < 1e-5)
        // The auxiliary loss (weight 0.3) is near 0.3 * ln 10 with small random logits; the main near ln 10.
        #expect(losses[0] > 0.3 * 1.5 && losses[0] < 0.3 * 4)
        executor.backward(parameters)
        let g = executor.parameterGradientValues
        let aux = try #require(parameters.entry(named: "loss1/fc.weight"))
        #expect(g[aux.offset ..< aux.offset + aux.count].contains { $0 != 0 }, "the training-only head got no gradient")
    }

    /// An evaluation plan runs the inference graph (no training-only head) and its loss and
    /// top-k against labels: checked against softmax cross-entropy and ranks computed here in
    /// Double from an inference plan's logits.
    @Test func evaluationMeasuresTheInferenceGraphsLossAndTopK() throws {
        let graph = try loadGraph(configPath("fashion-googlenet"))
        var parameters = ParameterStore(graph: graph)
        parameters.initialize(seed: 5)
        let batch = 6
        var rng = SplitMix64(seed: 9)
        let input = (0 ..< batch * 784).map { _ in Float(rng.normal()) }
        let labels: [Int32] = [0, 3, 9, 3, 5, 1]
        let evaluation = Executor(graph: graph, batch: batch, mode: .evaluation, parameters: parameters)
        evaluation.setInput(input)
        evaluation.setLabels(labels)
        evaluation.forward(&parameters)
        let results = evaluation.lossResults
        #expect(results.count == 1, "the auxiliary head is training-only")
        let result = try #require(results.first)
        #expect(result.correct.map(\.k) == [1, 5])

        let inference = Executor(graph: graph, batch: batch, mode: .inference, parameters: parameters)
        inference.setInput(input)
        inference.forward(&parameters)
        let logits = inference.output(of: inference.graph.output)
        var loss = 0.0, top1 = 0, top5 = 0
        for r in 0 ..< batch {
            let row = logits[r * 10 ..< (r + 1) * 10].map(Double.init)
            let m = row.max() ?? 0
            let lse = m + log(row.reduce(0) { $0 + exp($1 - m) })
            let target = row[Int(labels[r])]
            loss += (lse - target) / Double(batch)
            let better = row.filter { $0 > target }.count
            if better < 1 { top1 += 1 }
            if better < 5 { top5 += 1 }
        }
        #expect(abs(Double(result.loss) - loss) < 1e-5 * max(1, loss))
        #expect(result.correct[0].correct == top1 && result.correct[1].correct == top5)
        #expect(top5 > top1 || top1 == batch, "the check distinguishes k")
    }

    /// `loss: {label_smoothing: ε}` smooths the training loss (and so its gradient) and not
    /// what evaluation measures: both checked in Double from an inference plan's logits.
    @Test func labelSmoothingIsTheTrainingLossAndEvaluationMeasuresThePlainOne() throws {
        let graph = try withTemporaryDirectory { dir in
            let path = "\(dir)/c.yaml"
            try """
            name: smoothing
            model:
              input: [1, 4, 4]
              classes: 5
              layers:
                - flatten
                - dense: {name: fc, out: 5}
                - loss: {weight: 0.5, label_smoothing: 0.2}
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return try loadGraph(path)
        }
        var parameters = ParameterStore(graph: graph)
        parameters.initialize(seed: 4)
        let batch = 3
        var rng = SplitMix64(seed: 11)
        let input = (0 ..< batch * 16).map { _ in Float(rng.normal()) }
        let labels: [Int32] = [4, 0, 2]
        let inference = Executor(graph: graph, batch: batch, mode: .inference, parameters: parameters)
        inference.setInput(input)
        inference.forward(&parameters)
        let logits = inference.output(of: inference.graph.output)
        var plain = 0.0, smoothed = 0.0
        for r in 0 ..< batch {
            let row = logits[r * 5 ..< (r + 1) * 5].map(Double.init)
            let m = row.max() ?? 0
            let lse = m + log(row.reduce(0) { $0 + exp($1 - m) })
            plain += 0.5 * (lse - row[Int(labels[r])]) / Double(batch)
            smoothed += 0.5 * (lse - 0.8 * row[Int(labels[r])] - 0.2 * row.reduce(0, +) / 5) / Double(batch)
        }
        #expect(abs(plain - smoothed) > 1e-3, "the check tells the two apart")
        for (mode, expected) in [(ExecutionMode.training, smoothed), (.evaluation, plain)] {
            let executor = Executor(graph: graph, batch: batch, mode: mode, parameters: parameters)
            executor.setInput(input)
            executor.setLabels(labels)
            let loss = executor.forward(&parameters)
            #expect(abs(Double(loss) - expected) < 1e-5 * max(1, expected), "\(mode): \(loss), expected \(expected)")
        }
    }

    /// NaN in, NaN out (PyTorch's behaviour): the fused ReLUs no longer turn NaN into 0.
    @Test func aNaNInputGivesNaNLogitsThroughFusedReLUs() throws {
        let graph = try loadGraph(configPath("fashion-alexnet"))
        var parameters = ParameterStore(graph: graph)
        parameters.initialize(seed: 1)
        let predictor = try Predictor(graph: graph, node: nil, batch: 2)
        let y = predictor.run(&parameters, input: [Float](repeating: .nan, count: 2 * 784), count: 2)
        #expect(y.count == 20 && y.allSatisfy(\.isNaN))
    }

    @Test func stepsAreRepeatable() throws {
        let graph = try loadGraph(try fixturePath("every-op.yaml"))
        var parameters = ParameterStore(graph: graph)
        parameters.initialize(seed: 3)
        let executor = Executor(graph: graph, batch: 2, mode: .training, parameters: parameters, options: PlanOptions(dropoutSeed: 9))
        executor.setInput((0 ..< 2 * 243).map { Float($0 % 13) / 6 - 1 })
        executor.setLabels([0, 3])
        let first = executor.forward(&parameters, step: 4)
        executor.backward(parameters)
        let g1 = executor.parameterGradientValues
        let second = executor.forward(&parameters, step: 4)
        executor.backward(parameters)
        #expect(first == second)
        #expect(g1 == executor.parameterGradientValues, "gradients are overwritten each step, not accumulated across steps")
    }
}

/// A frozen start of the network runs no backward: the first trainable layer after it does
/// not compute its input's gradient; unfrozen, it does.
@Suite struct FrozenPlanTests {
    static func graph(frozen: Bool) throws -> Graph {
        let f = frozen ? ", freeze: true" : ""
        let text = """
        model:
          input: [1, 8, 8]
          classes: 3
          layers:
            - conv: {name: c1, out: 2, kernel: 3, pad: 1\(f)}
            - batchnorm: {name: bn\(f)}
            - relu
            - conv: {name: c2, out: 2, kernel: 3, pad: 1}
            - flatten
            - dense: {name: fc, out: 3}
            - loss
        """
        let config = try #require(ConfigLoader.load(text: text, file: "f.yaml").config)
        return try #require(GraphBuilder.build(config).graph)
    }

    @Test(arguments: [false, true])
    func theLayerAfterAFrozenStartComputesNoInputGradient(frozen: Bool) throws {
        let g = try Self.graph(frozen: frozen)
        let e = Executor(graph: g, batch: 2, mode: .training, parameters: ParameterStore(graph: g))
        let c2 = try #require(g.nodes.first { $0.name == "c2" }?.id), fc = try #require(g.nodes.first { $0.name == "fc" }?.id)
        #expect(e.computesInputGradient(c2) == !frozen)
        #expect(e.computesInputGradient(fc))
    }

    /// Frozen layers after a trained one pass the gradient on to their input but compute none
    /// of their own: their gradient slots stay as allocated (zero), and the trained layer
    /// before them gets, bitwise, the gradient it gets when nothing is frozen. One frozen layer
    /// of each algorithm: Winograd F(4x4, 3x3) and F(2x2, 5x5), im2col, scale, dense.
    @Test func frozenLayersAfterATrainedOneComputeNoParameterGradient() throws {
        func run(frozen: Bool) throws -> (gradients: [Float], store: ParameterStore) {
            let f = frozen ? ", freeze: true" : ""
            let text = """
            model:
              input: [1, 8, 8]
              classes: 3
              layers:
                - conv: {name: c1, out: 16, kernel: 3, pad: 1}
                - conv: {name: c2, out: 16, kernel: 3, pad: 1, act: relu\(f)}
                - conv: {name: c3, out: 16, kernel: 5, pad: 2\(f)}
                - conv: {name: c4, out: 8, kernel: 3, stride: 2, pad: 1\(f)}
                - scale: {name: s\(f)}
                - relu
                - flatten
                - dense: {name: fc, out: 3\(f)}
                - loss
            """
            let config = try #require(ConfigLoader.load(text: text, file: "f.yaml").config)
            let g = try #require(GraphBuilder.build(config).graph)
            var parameters = ParameterStore(graph: g)
            parameters.initialize(seed: 5)
            let e = Executor(graph: g, batch: 8, mode: .training, parameters: parameters)
            let geometry = Executor.convGeometry(g, try #require(g.nodes.first { $0.name == "c2" }), batch: 8)
            #expect(geometry.winograd && geometry.winogradF4, "c2 is meant to run Winograd F(4x4, 3x3)")
            var rng = SplitMix64(seed: 17)
            e.setInput((0 ..< 8 * 64).map { _ in Float(rng.normal()) })
            e.setLabels([0, 1, 2, 0, 1, 2, 0, 1])
            _ = e.forward(&parameters, step: 0)
            e.backward(parameters)
            return (e.parameterGradientValues, parameters)
        }
        let frozen = try run(frozen: true), trained = try run(frozen: false)
        for entry in frozen.store.entries where entry.learnable {
            let slot = entry.offset ..< entry.offset + entry.count
            if entry.name.hasPrefix("c1.") {
                #expect(Array(frozen.gradients[slot]) == Array(trained.gradients[slot]), "\(entry.name): not the unfrozen gradient")
                #expect(frozen.gradients[slot].contains { $0 != 0 }, "\(entry.name): no gradient reached it")
            } else {
                #expect(entry.frozen, "\(entry.name)")
                #expect(frozen.gradients[slot].allSatisfy { $0 == 0 }, "\(entry.name): a frozen layer computed its gradient")
                #expect(trained.gradients[slot].contains { $0 != 0 }, "\(entry.name): unfrozen, it has a gradient")
            }
        }
    }
}
