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

    func trainAndCompare(model fixture: String = "train-parity.yaml", optimizer: String, settings: String, lr: Double? = nil,
                         steps: Int, batch: Int, examples: Int? = nil) throws {
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
            if let examples {
                // The run had ceil(examples / batch) steps per epoch.
                let state = try String(contentsOfFile: "\(dir)/run/metrics.jsonl", encoding: .utf8)
                #expect(state.contains("\"examples\":\(steps / ((examples + batch - 1) / batch) * examples)"), "\(state)")
            }
            let ours = try Safetensors.read(path: "\(dir)/run/last.safetensors")
            let theirs = try Safetensors.read(path: "\(dir)/trained.safetensors")
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
