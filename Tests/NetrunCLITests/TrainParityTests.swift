import Foundation
import NetrunFormats
import Testing
import _NetrunTestSupport

/// `netrun train` is exact against PyTorch: the same network from the same weights, trained
/// on the same batches (npy data in order, no shuffle, no augmentation, no dropout) with
/// SGD (momentum, weight decay) and with AdamW, ends with the same weights and batch-norm
/// statistics to 1e-5 relative. Fixtures/torch_graph.py --train does PyTorch's side, in
/// float64: the answer any float32 kernels approximate, whatever their order of summation,
/// so the comparison depends on netrun's kernels alone (PyTorch's float32 result is printed
/// beside it for the record).
///
/// The seeds. A ReLU whose input is within rounding of zero, or a max-pool window whose two
/// largest values are, is a decision that any change in the order of summation can flip; a
/// flipped decision sends one position's gradient elsewhere, about 1e-3 of a small layer's
/// gradient, and after a few steps 1e-5 to 1e-4 of its weights. Such near-ties come a few a
/// step, so for many seeds two correct float32 implementations disagree past 1e-5: nothing a
/// tolerance can fix. Each test's seed is one whose steps no kernel flips: it was run under
/// each of the 18 OpenBLAS core types this project's CPUs can execute (OPENBLAS_CORETYPE,
/// Katmai to Cooperlake) times NETRUN_ISA scalar, avx2 and avx512, and the largest error of
/// the 54 is given at each test. .ci/cpus reruns the main ones on every CI machine.
@Suite(.enabled(if: torchAvailable || torchRequired, "python3 with torch and numpy"))
struct TrainParityTests {
    /// A small network with batch norm, seed 1: 4.3e-7 at most under the 54 kernel choices
    /// (seed 0, against PyTorch's float32 run as this test did before: 1.0e-5 under OpenBLAS's
    /// Penryn kernels).
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
    /// Seed 1: 7.1e-8 at most under the 54 kernel choices (seed 0: 6.1e-5 under OpenBLAS's
    /// Sandybridge kernels, a flipped decision).
    @Test func fashionAlexNetTrainingMatchesPyTorch() throws {
        try trainAndCompare(model: "train-parity-alexnet.yaml", optimizer: "sgd",
                            settings: "{type: sgd, lr: 0.02, momentum: 0.9, weight_decay: 0.0005}", lr: 0.02, steps: 3, batch: 8)
    }

    /// Configs/fashion-googlenet.yaml's network (Inception blocks, ceil-mode max and average
    /// pooling, the auxiliary head with weight 0.3 and train_only, global average pooling)
    /// with its optimizer, three steps. The mutation check: the same run with the learning
    /// rate 0.5% higher is told apart by the same comparison.
    ///
    /// Seed 15: 7.0e-8 at most under the 54 kernel choices. This network flips more often
    /// than the others: 41 of the first 61 seeds disagree past 1e-5 under one of OpenBLAS's
    /// Prescott, Haswell and SkylakeX kernels at least; with seed 0, PyTorch's own float32
    /// run is 6.2e-5 from its float64 one and netrun's under the Haswell kernels 1.3e-4.
    @Test func fashionGoogLeNetTrainingMatchesPyTorchAndTellsAHalfPercentRateChange() throws {
        try trainAndCompare(model: "train-parity-googlenet.yaml", optimizer: "sgd",
                            settings: "{type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0005}", lr: 0.05, steps: 3, batch: 8,
                            seed: 15, mutation: "{type: sgd, lr: 0.05025, momentum: 0.9, weight_decay: 0.0005}")
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
                         steps: Int, batch: Int, examples: Int? = nil, seed: Int = 1,
                         mutation: String? = nil) throws {
        try #require(torchAvailable, "NETRUN_REQUIRE_TORCH is set but python3 cannot import torch and numpy")
        let model = try fixturePath(fixture)
        try withTemporaryDirectory { dir in
            let summary = netrun(["summary", model, "--format", "json"])
            try #require(summary.code == 0, "\(summary.err)")
            try summary.out.write(toFile: "\(dir)/graph.json", atomically: true, encoding: .utf8)
            let status = runProcess("/usr/bin/env", ["python3", try fixturePath("torch_graph.py"), "\(dir)/graph.json", "--out", dir,
                                                     "--train", "\(steps)", "--optimizer", optimizer, "--batch", "\(batch)", "--seed", "\(seed)", "--float64"]
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
            let theirs = try Safetensors.read(path: "\(dir)/trained-float64.safetensors")
            // The largest relative error over the reference's tensors of the run in `run`.
            func worst(_ run: String, against reference: SafetensorsFile? = nil) throws -> (error: Double, tensor: String) {
                let ours = try Safetensors.read(path: "\(dir)/\(run)/last.safetensors")
                return try (reference ?? theirs).tensors.map { t in (relativeError(try #require(ours[t.name]).values, t.values), t.name) }
                    .max { $0.0 < $1.0 } ?? (0, "")
            }
            // For the record: the same figure against PyTorch's float32 run, whose rounding is its own.
            let (to32, tensor32) = try worst("run", against: try Safetensors.read(path: "\(dir)/trained.safetensors"))
            print("\(fixture), \(optimizer): largest relative error against PyTorch in float64 \(try worst("run").error), in float32 \(to32) (\(tensor32))")
            if let mutation {
                let mutated = config.replacingOccurrences(of: "optimizer: \(settings)", with: "optimizer: \(mutation)")
                try #require(mutated != config)
                try mutated.write(toFile: "\(dir)/mutated.yaml", atomically: true, encoding: .utf8)
                let m = netrun(["train", "\(dir)/mutated.yaml", "--weights", "\(dir)/weights.safetensors", "--out", "\(dir)/mutated"])
                try #require(m.code == 0, "\(m.err)")
                let (exact, _) = try worst("run"), (changed, tensor) = try worst("mutated")
                // Printed for the record: the figure and the margin the mutation leaves.
                print("\(fixture): largest relative error against PyTorch in float64 \(exact); with \(mutation) \(changed) (\(tensor))")
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
