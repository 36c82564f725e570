import Foundation
import NetrunFormats
import NetrunGraph
import Testing
import _NetrunTestSupport
@testable import NetrunBackend

/// Loading weights: values that are not finite, PyTorch's batch norm counter, suggestions.
@Suite struct WeightsTests {
    let graph: Graph
    let tensors: [NamedTensor]

    init() throws {
        graph = try loadGraph(try fixturePath("every-op.yaml"))
        var store = ParameterStore(graph: graph)
        store.initialize(seed: 3)
        tensors = store.namedTensors
    }

    func load(_ tensors: [NamedTensor]) throws -> ParameterStore {
        var store = ParameterStore(graph: graph)
        try store.load(SafetensorsFile(tensors: tensors), path: "w.safetensors")
        return store
    }

    /// `tensors` with `value` written at the flat indices `flat` of tensor `name`.
    func set(_ t: inout [NamedTensor], _ name: String, at flat: [Int], to value: Float) throws {
        let i = try #require(t.firstIndex { $0.name == name })
        for f in flat { t[i].values[f] = value }
    }

    @Test func aNaNIsReportedWithTheTensorAndItsIndex() throws {
        // conv1.weight is [4, 3, 3, 3]: [3, 0, 2, 1] is 3*27 + 0*9 + 2*3 + 1 = 88.
        var bad = tensors
        try set(&bad, "conv1.weight", at: [88], to: .nan)
        #expect(throws: WeightsMismatch(path: "w.safetensors", problems: [
            "tensor 'conv1.weight' has 1 value that is not finite; the first is NaN at conv1.weight[3, 0, 2, 1] (flat index 88)",
        ])) { try load(bad) }
    }

    @Test func infinitiesInSeveralTensorsAreAllReported() throws {
        var bad = tensors
        try set(&bad, "fc1.weight", at: [7, 40], to: -.infinity)
        try set(&bad, "bn.running_var", at: [9], to: .infinity)
        do {
            _ = try load(bad)
            Issue.record("loaded weights holding infinities")
        } catch let e as WeightsMismatch {
            // fc1.weight is [6, 36]: flat 7 is [0, 7].
            #expect(e.problems == [
                "tensor 'bn.running_var' has 1 value that is not finite; the first is +inf at bn.running_var[9] (flat index 9)",
                "tensor 'fc1.weight' has 2 values that are not finite; the first is -inf at fc1.weight[0, 7] (flat index 7)",
            ])
        }
    }

    @Test func batchNormsStepCounterIsAcceptedAndIgnored() throws {
        let counter = NamedTensor(name: "bn.num_batches_tracked", shape: [], values: [1234])
        let store = try load(tensors + [counter])
        #expect(store.namedTensors == tensors)
    }

    @Test func aStepCounterOfANodeWithoutBatchNormIsUnexpected() throws {
        let counter = NamedTensor(name: "conv1.num_batches_tracked", shape: [], values: [1])
        #expect(throws: WeightsMismatch(path: "w.safetensors", problems: [
            "unexpected tensor 'conv1.num_batches_tracked' with shape []: the model has no such parameter",
        ])) { try load(tensors + [counter]) }
    }

    @Test func aMisspelledTensorGetsASuggestion() throws {
        var t = tensors
        let i = try #require(t.firstIndex { $0.name == "fc2.weight" })
        t[i].name = "fc2.wieght"
        do {
            _ = try load(t)
            Issue.record("loaded a misspelled tensor")
        } catch let e as WeightsMismatch {
            #expect(e.problems.contains("unexpected tensor 'fc2.wieght' with shape [4, 6]: the model has no such parameter; did you mean 'fc2.weight'?"))
        }
    }

    @Test func predictReportsANaNWeightByName() throws {
        let reference = try fixturePath("fashion-alexnet")
        var store = ParameterStore(graph: try loadGraph(configPath("fashion-alexnet")))
        try store.load(path: "\(reference)/weights.safetensors")
        var t = store.namedTensors
        t[0].values[5] = .nan   // conv1.weight [48, 1, 5, 5]: flat 5 is [0, 0, 1, 0]
        try withTemporaryDirectory { dir in
            try Safetensors.write(t, to: "\(dir)/w.safetensors")
            let r = netrun(["predict", configPath("fashion-alexnet"), "--weights", "\(dir)/w.safetensors",
                            "--input", "\(reference)/input.npy", "--output", "\(dir)/y.npy"])
            #expect(r.code == 2)
            #expect(r.err == "\(dir)/w.safetensors: error: tensor 'conv1.weight' has 1 value that is not finite; the first is NaN at conv1.weight[0, 0, 1, 0] (flat index 5)\n")
        }
    }
}
