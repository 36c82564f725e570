import Testing
import NetrunConfig
import NetrunGraph
import NetrunBackend
@testable import NetrunRunner

/// The optimizer settings as the config states them, and the optimizer built from a real
/// graph's parameter store (batch norm's statistics excluded, 1-D tensors found).
@Suite struct OptimizerConfigTests {
    static let model = """
    model:
      input: [1, 6, 6]
      classes: 3
      layers:
        - conv: {name: c1, out: 2, kernel: 3}
        - batchnorm: {name: bn}
        - relu
        - dense: {name: fc, out: 3}
        - loss: {name: loss}
    """

    static func load(_ optimizer: String) -> LoadResult {
        ConfigLoader.load(text: model + "\ntrain: {epochs: 2, batch: 4, optimizer: \(optimizer), data: {format: synthetic}}\n", file: "t.yaml")
    }

    @Test func clipNormAndDecayBiasAreReadWithPyTorchsDefaults() throws {
        let plain = try #require(Self.load("{type: sgd, lr: 0.1}").config?.train?.optimizer)
        #expect(plain.clipNorm == nil && plain.decayBias)
        let set = try #require(Self.load("{type: adam, lr: 0.001, decoupled: true, weight_decay: 0.01, clip_norm: 5, decay_bias: false}").config?.train?.optimizer)
        #expect(set == OptimizerConfig(algorithm: .adam(beta1: 0.9, beta2: 0.999, eps: 1e-8, decoupled: true), lr: set.lr,
                                       weightDecay: 0.01, clipNorm: 5, decayBias: false))
    }

    @Test(arguments: [
        ("{type: sgd, lr: 0.1, clip_norm: 0}", "t.yaml:10:73: error: expected a gradient norm greater than 0.0, found 0"),
        ("{type: sgd, lr: 0.1, clip_norm: -1}", "t.yaml:10:73: error: expected a gradient norm greater than 0.0, found -1"),
        ("{type: sgd, lr: 0.1, decay_bias: 3}", "t.yaml:10:74: error: expected true or false, found '3'"),
        ("{type: adam, lr: 0.1, clip_norm: [1]}", "t.yaml:10:74: error: expected a gradient norm, found a list"),
    ])
    func badClipNormOrDecayBiasIsAnErrorAtTheValue(optimizer: String, message: String) {
        let r = Self.load(optimizer)
        #expect(r.config == nil)
        #expect(r.diagnostics.errors.map(\.description) == [message])
    }

    @Test func theOptimizerOfAGraphSkipsRunningStatisticsAndExemptsVectorsWithoutBiasDecay() throws {
        let r = Self.load("{type: sgd, lr: 0.1, momentum: 0.9, weight_decay: 0.1, decay_bias: false}")
        let config = try #require(r.config, "\(r.diagnostics.all)")
        let graph = try #require(GraphBuilder.build(config).graph)
        let store = ParameterStore(graph: graph)
        let optimizer = try Optimizer(try #require(config.train?.optimizer), parameters: store)
        #expect(optimizer.parameterCount == store.count)
        // c1.weight decays; c1.bias, bn.weight, bn.bias do not; the running stats are not updated;
        // fc.weight decays, fc.bias does not.
        let names = store.entries.map(\.name)
        #expect(names == ["c1.weight", "c1.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "fc.weight", "fc.bias"])
        let e = Dictionary(uniqueKeysWithValues: store.entries.map { ($0.name, $0) })
        func at(_ n: String) throws -> ParameterStore.Entry { try #require(e[n]) }
        #expect(optimizer.runs == [
            ParameterRun(offset: try at("c1.weight").offset, count: try at("c1.weight").count, decayed: true),
            ParameterRun(offset: try at("c1.bias").offset, count: 2 + 2 + 2, decayed: false),
            ParameterRun(offset: try at("fc.weight").offset, count: try at("fc.weight").count, decayed: true),
            ParameterRun(offset: try at("fc.bias").offset, count: 3, decayed: false),
        ])
        #expect(optimizer.state().buffers.keys.sorted() == ["bn.bias", "bn.weight", "c1.bias", "c1.weight", "fc.bias", "fc.weight"].map { $0 + ".momentum_buffer" })
    }
}
