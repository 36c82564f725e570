import Foundation
import NetrunFormats
import Testing
import _NetrunTestSupport

/// `netrun train` is exact against PyTorch: the same network from the same weights, trained
/// on the same batches (npy data in order, no shuffle, no augmentation, no dropout) with
/// SGD (momentum, weight decay) and with AdamW, ends with the same weights and batch-norm
/// statistics to 1e-5 relative. Fixtures/torch_graph.py --train does PyTorch's side.
@Suite(.enabled(if: torchAvailable || torchRequired, "python3 with torch and numpy"))
struct TrainParityTests {
    @Test(arguments: [("sgd", "{type: sgd, lr: 0.1, momentum: 0.9, weight_decay: 0.0005}"),
                      ("adamw", "{type: adam, lr: 0.01, weight_decay: 0.01, decoupled: true}")])
    func trainingMatchesPyTorch(optimizer: String, settings: String) throws {
        try trainAndCompare(optimizer: optimizer, settings: settings, steps: 6, batch: 4)
    }

    /// `drop_last: false`: 10 examples at batch 4 make epochs of 4, 4 and 2 (PyTorch's
    /// DataLoader by default); 6 steps run two epochs, with two smaller steps.
    @Test func aLastSmallerBatchPerEpochMatchesPyTorch() throws {
        try trainAndCompare(optimizer: "sgd", settings: "{type: sgd, lr: 0.1, momentum: 0.9, weight_decay: 0.0005}",
                            steps: 6, batch: 4, examples: 10)
    }

    /// Configs/fashion-alexnet.yaml's network (LRN, grouped and 5x5 convolutions, overlapping
    /// pooling) with its optimizer. Three steps: with ReLU and max pooling, rounding
    /// differences grow from step to step, so a long run drifts apart however exact each step is.
    @Test func fashionAlexNetTrainingMatchesPyTorch() throws {
        try trainAndCompare(model: "train-parity-alexnet.yaml", optimizer: "sgd",
                            settings: "{type: sgd, lr: 0.02, momentum: 0.9, weight_decay: 0.0005}", lr: 0.02, steps: 3, batch: 8)
    }

    /// Configs/fashion-googlenet.yaml's network (Inception blocks, ceil-mode max and average
    /// pooling, the auxiliary head with weight 0.3 and train_only, global average pooling)
    /// with its optimizer, three steps. The mutation check: the same run with the learning
    /// rate 0.5% higher is told apart by the same comparison.
    @Test func fashionGoogLeNetTrainingMatchesPyTorchAndTellsAHalfPercentRateChange() throws {
        try trainAndCompare(model: "train-parity-googlenet.yaml", optimizer: "sgd",
                            settings: "{type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0005}", lr: 0.05, steps: 3, batch: 8,
                            mutation: "{type: sgd, lr: 0.05025, momentum: 0.9, weight_decay: 0.0005}")
    }

    /// The parity fixture is the config's network: every node's name, op, shape and
    /// parameters agree, dropout's rate aside.
    @Test func theGoogLeNetParityFixtureIsTheConfigsNetwork() throws {
        func nodes(_ path: String) throws -> [String] {
            let r = netrun(["summary", path, "--format", "json"])
            try #require(r.code == 0, "\(r.err)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let list = try #require(json["nodes"] as? [[String: Any]])
            return try list.map { node in
                var n = node
                if n["op"] as? String == "dropout" { n["settings"] = nil }
                return String(decoding: try JSONSerialization.data(withJSONObject: n, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        let fixture = try nodes(try fixturePath("train-parity-googlenet.yaml")), config = try nodes(configPath("fashion-googlenet"))
        #expect(fixture.count == config.count)
        for (a, b) in zip(fixture, config) { #expect(a == b) }
    }

    func trainAndCompare(model fixture: String = "train-parity.yaml", optimizer: String, settings: String, lr: Double? = nil,
                         steps: Int, batch: Int, examples: Int? = nil, mutation: String? = nil) throws {
        try #require(torchAvailable, "NETRUN_REQUIRE_TORCH is set but python3 cannot import torch and numpy")
        let model = try fixturePath(fixture)
        try withTemporaryDirectory { dir in
            let summary = netrun(["summary", model, "--format", "json"])
            try #require(summary.code == 0, "\(summary.err)")
            try summary.out.write(toFile: "\(dir)/graph.json", atomically: true, encoding: .utf8)
            let status = runProcess("/usr/bin/env", ["python3", try fixturePath("torch_graph.py"), "\(dir)/graph.json", "--out", dir,
                                                     "--train", "\(steps)", "--optimizer", optimizer, "--batch", "\(batch)"]
                                                     + (examples.map { ["--examples", "\($0)"] } ?? [])
                                                     + (lr.map { ["--lr", "\($0)"] } ?? []))
            try #require(status == 0, "torch_graph.py --train failed")
            let config = """
            extends: \(model)
            train:
              steps: \(steps)
              batch: \(batch)
              optimizer: \(settings)
              data: {format: npy, images: data.npy, labels: labels.npy, shuffle: false, drop_last: \(examples == nil)}
              checkpoint: {every: \(steps) steps}
            """
            try config.write(toFile: "\(dir)/train.yaml", atomically: true, encoding: .utf8)
            let r = netrun(["train", "\(dir)/train.yaml", "--weights", "\(dir)/weights.safetensors", "--out", "\(dir)/run"])
            try #require(r.code == 0, "\(r.err)")
            let theirs = try Safetensors.read(path: "\(dir)/trained.safetensors")
            // The largest relative error over PyTorch's tensors of the run in `run`.
            func worst(_ run: String) throws -> (error: Double, tensor: String) {
                let ours = try Safetensors.read(path: "\(dir)/\(run)/last.safetensors")
                return try theirs.tensors.map { t in (relativeError(try #require(ours[t.name]).values, t.values), t.name) }
                    .max { $0.0 < $1.0 } ?? (0, "")
            }
            if let mutation {
                let mutated = config.replacingOccurrences(of: "optimizer: \(settings)", with: "optimizer: \(mutation)")
                try #require(mutated != config)
                try mutated.write(toFile: "\(dir)/mutated.yaml", atomically: true, encoding: .utf8)
                let m = netrun(["train", "\(dir)/mutated.yaml", "--weights", "\(dir)/weights.safetensors", "--out", "\(dir)/mutated"])
                try #require(m.code == 0, "\(m.err)")
                let (exact, _) = try worst("run"), (changed, tensor) = try worst("mutated")
                // Printed for the record: the figure and the margin the mutation leaves.
                print("\(fixture): largest relative error against PyTorch \(exact); with \(mutation) \(changed) (\(tensor))")
                #expect(changed > 1e-5, "a changed learning rate is not told apart: \(changed)")
                #expect(changed > 10 * exact, "the mutation's error \(changed) is not well above the run's \(exact)")
            }
            if let examples {
                // The run had ceil(examples / batch) steps per epoch.
                let state = try String(contentsOfFile: "\(dir)/run/metrics.jsonl", encoding: .utf8)
                #expect(state.contains("\"examples\":\(steps / ((examples + batch - 1) / batch) * examples)"), "\(state)")
            }
            let ours = try Safetensors.read(path: "\(dir)/run/last.safetensors")
            #expect(Set(ours.names) == Set(theirs.names))
            for t in theirs.tensors {
                let mine = try #require(ours[t.name], "netrun saved no \(t.name)")
                let err = relativeError(mine.values, t.values)
                #expect(err < 1e-5, "\(optimizer): \(t.name) relative error \(err)")
            }
            // Training moved the weights: the comparison is not of the starting point.
            let start = try Safetensors.read(path: "\(dir)/weights.safetensors")
            let moved = try start.tensors.map { t in relativeError(try #require(ours[t.name]).values, t.values) }
            #expect(moved.max() ?? 0 > 1e-3, "the weights hardly moved: \(moved)")
        }
    }
}
