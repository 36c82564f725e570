import Foundation
import Testing
import NetrunBackend
import NetrunConfig
import NetrunGraph

/// A mixed batch's loss (Mixup, CutMix) against timm's: the soft target
/// `λ·smooth(y) + (1 − λ)·smooth(y')` under `-(target · log_softmax).sum(-1).mean()`, in
/// PyTorch; the loss and the dense layer's gradients within 1e-6.
@Suite struct MixedLossTests {
    static let config = """
    model:
      input: [1, 2, 3]
      classes: 4
      layers:
        - flatten
        - dense: {name: fc, out: 4}
        - loss: {label_smoothing: 0.1}
    """
    static let rows = 5
    static let labels: [Int32] = [0, 3, 1, 2, 3], partners: [Int32] = [3, 2, 1, 3, 0]
    static let lambda: Float = 0.3

    static func run(mixed: Bool = true) throws -> (loss: Float, gradients: [Float], weights: [Float], input: [Float]) {
        let config = try #require(ConfigLoader.load(text: config, file: "m.yaml").config)
        let graph = try #require(GraphBuilder.build(config).graph)
        var store = ParameterStore(graph: graph)
        for i in store.values.indices { store.values[i] = Float((i * 37) % 23 - 11) / 16 }
        let x = (0 ..< rows * 6).map { Float(($0 * 53) % 29 - 14) / 8 }
        let e = Executor(graph: graph, batch: rows, mode: .training, parameters: store)
        e.setInput(x)
        e.setLabels(labels)
        e.setMix(partnerLabels: mixed ? partners : nil, lambda: lambda)
        let loss = e.forward(&store)
        e.backward(store)
        return (loss, e.parameterGradientValues, store.values, x)
    }

    @Test(.enabled(if: torchAvailable || torchRequired, "python3 with torch"))
    func theMixedLossAndItsGradientsAreTimmsSoftTargetCrossEntropy() throws {
        try #require(torchAvailable, "NETRUN_REQUIRE_TORCH is set but python3 cannot import torch")
        let (loss, gradients, weights, x) = try Self.run()
        let script = """
        import json, torch
        W = torch.tensor(\(Array(weights[0 ..< 24])), dtype=torch.float32).reshape(4, 6).requires_grad_()
        b = torch.tensor(\(Array(weights[24 ..< 28])), dtype=torch.float32).requires_grad_()
        x = torch.tensor(\(x), dtype=torch.float32).reshape(\(Self.rows), 6)
        def smooth(y, eps=0.1):
            return torch.nn.functional.one_hot(torch.tensor(y), 4).float() * (1 - eps) + eps / 4
        lam = \(Self.lambda)
        target = smooth(\(Self.labels)) * lam + smooth(\(Self.partners)) * (1 - lam)
        loss = -(target * torch.log_softmax(x @ W.T + b, dim=-1)).sum(-1).mean()
        loss.backward()
        print(json.dumps({"loss": loss.item(), "grad": W.grad.reshape(-1).tolist() + b.grad.tolist()}))
        """
        struct Torch: Decodable { var loss: Double; var grad: [Double] }
        let t = try JSONDecoder().decode(Torch.self, from: Data(try runPython(script).utf8))
        #expect(abs(Double(loss) - t.loss) / t.loss < 1e-6, "loss \(loss), torch \(t.loss)")
        let worst = zip(gradients, t.grad).map { abs(Double($0) - $1) }.max() ?? 1
        let scale = t.grad.map(abs).max() ?? 1
        #expect(worst / scale < 1e-6, "gradients: worst difference \(worst / scale) of their scale")
        // Not mixed, the same batch has another loss: the comparison sees the mix.
        let plain = try Self.run(mixed: false)
        #expect(abs(Double(plain.loss) - t.loss) > 1e-3 * t.loss, "plain \(plain.loss), mixed \(t.loss)")
    }
}
