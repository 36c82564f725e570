import Foundation
import NetrunFormats
import Testing
import _NetrunTestSupport
@testable import NetrunBackend

@Suite struct ParameterStoreTests {
    @Test func namesAndShapesFollowTheGraphInOrder() throws {
        let store = ParameterStore(graph: try loadGraph(configPath("fashion-alexnet")))
        #expect(store.entries.prefix(4).map(\.name) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"])
        #expect(store.entry(named: "conv2.weight")?.shape == [128, 24, 5, 5])
        #expect(store.entry(named: "fc6.weight")?.shape == [512, 512])
        #expect(store.count == 1_106_794)
    }

    @Test func batchNormAddsRunningStatisticsAsBuffers() throws {
        let store = ParameterStore(graph: try loadGraph(try fixturePath("every-op.yaml")))
        let mean = try #require(store.entry(named: "bn.running_mean"))
        #expect(mean.shape == [10] && !mean.learnable)
        #expect(store.entry(named: "bn.weight")?.learnable == true)
    }

    @Test func fansFollowPyTorch() {
        // torch.nn.init._calculate_fan_in_and_fan_out: fan_in = size(1) * receptive, fan_out = size(0) * receptive.
        #expect(ParameterStore.fans([128, 24, 5, 5]) == (600, 3200))
        #expect(ParameterStore.fans([10, 512]) == (512, 10))
    }

    @Test func initializationIsSeededAndHasTheFillersVariance() throws {
        let graph = try loadGraph(configPath("fashion-alexnet"))
        var a = ParameterStore(graph: graph), b = ParameterStore(graph: graph), c = ParameterStore(graph: graph)
        a.initialize(seed: 5)
        b.initialize(seed: 5)
        c.initialize(seed: 6)
        #expect(a == b)
        #expect(a != c)
        // msra (He normal, fan in): std sqrt(2 / 600) for conv2.
        let w = try #require(a.tensor("conv2.weight"))
        let variance = w.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(w.count)
        #expect(abs(variance / (2.0 / 600) - 1) < 0.05)
        #expect(a.tensor("conv2.bias")?.allSatisfy { $0 == 0 } == true)
    }

    @Test func savedWeightsLoadBackUnchanged() throws {
        let graph = try loadGraph(configPath("fashion-googlenet"))
        var store = ParameterStore(graph: graph)
        store.initialize(seed: 1)
        try withTemporaryDirectory { dir in
            try store.save(path: "\(dir)/w.safetensors")
            var back = ParameterStore(graph: graph)
            try back.load(path: "\(dir)/w.safetensors")
            #expect(back == store)
        }
    }

    @Test func mismatchesNameEveryTensorWithBothShapes() throws {
        let graph = try loadGraph(configPath("fashion-alexnet"))
        var store = ParameterStore(graph: graph)
        var tensors = store.namedTensors.filter { $0.name != "fc8.bias" }
        tensors[0].shape = [48, 1, 25]
        tensors.append(NamedTensor(name: "fc9.weight", shape: [1], values: [0]))
        let error = try #require(throws: WeightsMismatch.self) {
            try store.load(SafetensorsFile(tensors: tensors), path: "w.safetensors")
        }
        #expect(error.problems == [
            "tensor 'conv1.weight' has shape [48, 1, 25] in the file, but the model expects [48, 1, 5, 5]",
            "missing tensor 'fc8.bias' (the model expects shape [10])",
            "unexpected tensor 'fc9.weight' with shape [1]: the model has no such parameter; did you mean 'fc6.weight'?",
        ])
    }
}
