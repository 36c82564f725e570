import Testing
@testable import NetrunConfig
@testable import NetrunGraph

/// `lr_mult`, `decay_mult` and `freeze` on layers and block uses, as the graph carries them
/// to each parameter tensor, and their mistakes at their positions.
@Suite struct ParameterTrainingTests {
    static let blocks = """
      blocks:
        unit:
          params: [width]
          layers:
            - conv: {name: a, out: $width, kernel: 3, pad: 1}
            - batchnorm: {name: bn}
            - relu
            - conv: {name: b, out: $width, kernel: 1, lr_mult: [2, 4]}

    """

    @Test func aBlockUseGivesItsSettingsToEachLayerThatDoesNotSetItsOwn() throws {
        let text = "model:\n  input: [3, 16, 16]\n  classes: 10\n" + Self.blocks + "  layers:\n" + """
            - unit: {name: u1, width: 4, lr_mult: 0.1, decay_mult: 0, freeze: true}
            - unit: {name: u2, width: 4}
            - flatten
            - dense: {name: fc, out: 10, lr_mult: [1, 2], decay_mult: [1, 0]}
            - loss

        """
        let (graph, d) = build(text)
        let g = try #require(graph, "\(d.all)")
        func node(_ name: String) throws -> Node { try #require(g.nodes.first { $0.name == name }, "no \(name)") }
        let a1 = try node("u1/a"), bn1 = try node("u1/bn"), b1 = try node("u1/b")
        #expect(a1.frozen && bn1.frozen && b1.frozen)
        #expect(a1.parameters.map(\.lrMult) == [0.1, 0.1] && a1.parameters.map(\.decayMult) == [0, 0])
        #expect(bn1.parameters.map(\.lrMult) == [0.1, 0.1])
        #expect(b1.parameters.map(\.lrMult) == [2, 4], "a layer's own lr_mult wins over its block use's")
        #expect(b1.parameters.map(\.decayMult) == [0, 0])
        let a2 = try node("u2/a")
        #expect(!a2.frozen && a2.parameters.map(\.lrMult) == [1, 1])
        let fc = try node("fc")
        #expect(fc.parameters.map(\.lrMult) == [1, 2] && fc.parameters.map(\.decayMult) == [1, 0] && !fc.frozen)
    }

    @Test(arguments: [
        ("- conv: {name: c, out: 4, kernel: 3, bias: false, lr_mult: [1, 2]}",
         "t.yaml:5:64: error: lr_mult has 2 values but 'c' has 1 parameter tensor (weight): give one number, or one per tensor"),
        ("- dense: {name: c, out: 4, decay_mult: [1, 0, 1]}",
         "t.yaml:5:44: error: decay_mult has 3 values but 'c' has 2 parameter tensors (weight, bias): give one number, or one per tensor"),
        ("- conv: {name: c, out: 4, kernel: 3, lr_mult: -1}",
         "t.yaml:5:51: error: expected a multiplier of at least 0.0, found -1"),
        ("- relu: {lr_mult: 2}",
         "t.yaml:5:14: error: unknown key 'lr_mult' in relu layer 'relu_1'"),
    ])
    func mistakesAreErrorsAtTheirPosition(layer: String, message: String) {
        let (_, d) = build(model("    \(layer)\n    - flatten\n    - dense: {out: 10}\n    - loss\n"))
        #expect(d.errors.map(\.description).contains { $0.hasPrefix(message) }, "\(d.errors.map(\.description))")
    }
}
