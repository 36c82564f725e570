import Foundation
import NetrunFormats
import Testing
import _NetrunTestSupport

/// `netrun train` and `netrun eval` end to end on small configs: resume exactness (at a step
/// boundary and after SIGINT mid-epoch), the run directory, and every kind of bad input.
@Suite struct TrainCommandTests {
    /// A small network on synthetic data: 64 examples, batch 8, so 8 steps an epoch.
    static func config(epochs: Int = 3, extra: String = "", data: String = "{format: synthetic, samples: 64}",
                       optimizer: String = "{type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0005}") -> String {
        """
        name: small
        model:
          input: [1, 8, 8]
          classes: 4
          layers:
            - conv: {name: c1, out: 4, kernel: 3, pad: 1, act: relu}
            - batchnorm: {name: bn}
            - dropout: {rate: 0.2}
            - maxpool: {kernel: 2, stride: 2}
            - flatten
            - dense: {name: fc, out: 4}
            - loss: {top_k: [1, 2]}
        train:
          epochs: \(epochs)
          batch: 8
          seed: 3
          optimizer: \(optimizer)
          schedule: {policy: step, factor: 0.5, every: 1 epoch}
          data: \(data)
          augment: [{mirror: {p: 0.5}}]
          checkpoint: {every: 4 steps, keep: 2, best: val_top1}
        \(extra)
        eval:
          data: {format: synthetic, samples: 20}
          batch: 6
          every: 1 epoch
        """
    }

    static func write(_ text: String, _ dir: String, _ name: String = "c.yaml") throws -> String {
        let path = "\(dir)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func tensors(_ path: String) throws -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: try Safetensors.read(path: path).tensors.map { ($0.name, $0.values) })
    }

    /// Trains `config` whole and stopped at step 11 then resumed, and `plain` (the same
    /// without the feature): the resumed run ends bitwise like the whole one, and the feature
    /// changed the weights. Returns the whole run's weights and the plain run's.
    @discardableResult
    static func expectResumesBitwiseAndChangesTheRun(_ config: String, plain: String, in dir: String,
                                                     feature: String) throws -> (whole: [String: [Float]], plain: [String: [Float]]) {
        for (c, out, steps) in [(config, "full", nil), (config, "part", "11"), (plain, "plain", nil)] {
            let r = netrun(["train", c, "--out", "\(dir)/\(out)"] + (steps.map { ["--steps", $0] } ?? []))
            #expect(r.code == 0, "\(r.err)")
        }
        let resumed = netrun(["train", config, "--resume", "\(dir)/part"])
        #expect(resumed.code == 0, "\(resumed.err)")
        let a = try tensors("\(dir)/full/last.safetensors"), b = try tensors("\(dir)/part/last.safetensors")
        for (name, values) in a { #expect(values == b[name], "\(name) differs after the resume") }
        let p = try tensors("\(dir)/plain/last.safetensors")
        #expect(a["fc.weight"] != nil && a["fc.weight"] != p["fc.weight"], "\(feature) changed nothing")
        return (a, p)
    }

    @Test func aRunStoppedAtAStepAndResumedEndsBitwiseLikeAnUninterruptedOne() throws {
        try withTemporaryDirectory { dir in
            let c = try Self.write(Self.config(), dir)
            let full = netrun(["train", c, "--out", "\(dir)/full"])
            #expect(full.code == 0, "\(full.err)")
            let part = netrun(["train", c, "--out", "\(dir)/part", "--steps", "11"])
            #expect(part.code == 0, "\(part.err)")
            #expect(part.out.contains("stopped after step 11 of 24"))
            let resumed = netrun(["train", c, "--resume", "\(dir)/part"])
            #expect(resumed.code == 0, "\(resumed.err)")
            let a = try Self.tensors("\(dir)/full/last.safetensors"), b = try Self.tensors("\(dir)/part/last.safetensors")
            #expect(a.keys.sorted() == b.keys.sorted())
            for (name, values) in a { #expect(values == b[name], "\(name) differs after the resume") }
            // The run directory: every file, periodic checkpoints rotated to `keep: 2`.
            let files = Set(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/full"))
            for f in ["config.yaml", "metrics.jsonl", "curves.svg", "last.safetensors", "best.safetensors", "state.safetensors",
                      "checkpoint-20.safetensors", "checkpoint-24.safetensors"] {
                #expect(files.contains(f), "no \(f)")
            }
            #expect(!files.contains("checkpoint-16.safetensors"))
            #expect(files.contains { $0.hasPrefix("events.out.tfevents.") })
            let metrics = try String(contentsOfFile: "\(dir)/part/metrics.jsonl", encoding: .utf8)
            #expect(metrics.contains("\"val_top1\""))
            // The closing time split: training, evaluating, saving, with the epoch's length.
            let time = try #require(full.err.split(separator: "\n").first { $0.hasPrefix("time: ") }, "\(full.err)")
            #expect(time.contains(" s per epoch of 8 steps), ") && time.contains(" s evaluating, ") && time.hasSuffix(" s saving checkpoints"), "\(time)")
        }
    }

    /// One-cycle with SGD at momentum 0: the schedule's momentum replaces the config's, as
    /// OneCycleLR overwrites the parameter group's, so the run keeps momentum buffers (and
    /// differs from `cycle_momentum: false`); the logged rates are OneCycleLR's (torch 2.15,
    /// 24 steps, max_lr 0.1: the rate of the step each row closes); a resume ends bitwise.
    @Test func aOneCycleRunCyclesTheMomentumLogsTorchsRatesAndResumesBitwise() throws {
        try withTemporaryDirectory { dir in
            let sgd = "{type: sgd, lr: 0.1, momentum: 0, weight_decay: 0.0005}"
            let cycled = Self.config(optimizer: sgd).replacingOccurrences(of: "schedule: {policy: step, factor: 0.5, every: 1 epoch}",
                                                                        with: "schedule: {policy: one_cycle}")
            #expect(cycled.contains("one_cycle"))
            let c = try Self.write(cycled, dir)
            let plain = try Self.write(cycled.replacingOccurrences(of: "{policy: one_cycle}", with: "{policy: one_cycle, cycle_momentum: false}"),
                                       dir, "plain.yaml")
            try Self.expectResumesBitwiseAndChangesTheRun(c, plain: plain, in: dir, feature: "cycling the momentum")
            let state = try Self.tensors("\(dir)/full/state.safetensors")
            #expect(state["optimizer/fc.weight.momentum_buffer"] != nil, "no momentum buffer: \(state.keys.sorted())")
            #expect(try Self.tensors("\(dir)/plain/state.safetensors").keys.allSatisfy { !$0.hasSuffix("momentum_buffer") })
            let torch: [Int: Double] = [8: 0.09944154354509119, 10: 0.09330129698414118, 16: 0.046263710266697504,
                                        20: 0.01334775301888306, 24: 4e-07]
            let rows = try String(contentsOfFile: "\(dir)/full/metrics.jsonl", encoding: .utf8).split(separator: "\n")
                .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            var seen = 0
            for row in rows {
                guard let step = row["step"] as? Int, let lr = row["lr"] as? Double, let expected = torch[step] else { continue }
                // metrics.jsonl keeps a rate to float precision.
                #expect(abs(lr - expected) <= 1e-7 * expected, "step \(step): lr \(lr), OneCycleLR \(expected)")
                seen += 1
            }
            #expect(seen == torch.count, "logged rates: \(rows.compactMap { $0["step"] })")
        }
    }

    /// Lookahead keeps its slow weights in the state (timm's buffer name), so a run stopped
    /// between two synchronizations (step 11 of k = 3) resumes bitwise; it changes the run.
    @Test func aLookaheadRunStoppedBetweenSynchronizationsResumesBitwise() throws {
        try withTemporaryDirectory { dir in
            let c = try Self.write(Self.config(optimizer: "{type: sgd, lr: 0.05, momentum: 0.9, lookahead: {k: 3, alpha: 0.5}}"), dir)
            let plain = try Self.write(Self.config(optimizer: "{type: sgd, lr: 0.05, momentum: 0.9}"), dir, "plain.yaml")
            try Self.expectResumesBitwiseAndChangesTheRun(c, plain: plain, in: dir, feature: "lookahead")
            let state = try Self.tensors("\(dir)/part/state.safetensors")
            #expect(state["optimizer/fc.weight.lookahead_slow_buff"] != nil, "\(state.keys.sorted())")
        }
    }

    /// `accumulate: 4` runs each step's 16 examples as four micro-batches of 4 and averages
    /// their gradients: without batch norm, the same update as one pass over 16, dropout
    /// included (its masks are keyed by the example's place in the whole batch), to 1e-5
    /// after 12 steps of SGD with momentum. With batch norm (each micro-batch normalized by
    /// its own statistics) it is a different run. An `accumulate` that does not divide the
    /// batch is an error at its position.
    @Test func accumulatingMicroBatchesEqualsTheWholeBatchWithoutBatchNorm() throws {
        try withTemporaryDirectory { dir in
            func config(accumulate: Int, batchNorm: Bool = false) -> String {
                """
                name: accumulate
                model:
                  input: [1, 8, 8]
                  classes: 4
                  layers:
                    - conv: {name: c1, out: 6, kernel: 3, pad: 1, act: relu}
                \(batchNorm ? "    - batchnorm: {name: bn}\n" : "")    - maxpool: {kernel: 2, stride: 2}
                    - dropout: {rate: 0.3}
                    - flatten
                    - dense: {name: fc, out: 4}
                    - loss: {label_smoothing: 0.1}
                train:
                  steps: 12
                  batch: 16
                  accumulate: \(accumulate)
                  seed: 5
                  optimizer: {type: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0005}
                  data: {format: synthetic, samples: 64}
                  augment: [{mirror: {p: 0.5}}]
                """
            }
            func train(_ text: String, _ name: String) throws -> [String: [Float]] {
                let c = try Self.write(text, dir, "\(name).yaml")
                let r = netrun(["train", c, "--out", "\(dir)/\(name)"])
                #expect(r.code == 0, "\(r.err)")
                return try Self.tensors("\(dir)/\(name)/last.safetensors")
            }
            let whole = try train(config(accumulate: 1), "whole"), micro = try train(config(accumulate: 4), "micro")
            #expect(!whole.isEmpty && whole.keys.sorted() == micro.keys.sorted())
            var largest = 0.0
            for (name, w) in whole {
                let m = try #require(micro[name])
                let scale = max(w.map { abs($0) }.max() ?? 0, 1e-3)
                let worst = Double(zip(w, m).map { abs($0 - $1) }.max() ?? 0) / Double(scale)
                largest = max(largest, worst)
                #expect(worst < 1e-5, "\(name): accumulated differs from the whole batch by \(worst) of its scale")
            }
            print("accumulate 4 against the whole batch, 12 steps: largest difference \(largest) of a tensor's scale")
            let bnWhole = try train(config(accumulate: 1, batchNorm: true), "bn-whole")
            let bnMicro = try train(config(accumulate: 4, batchNorm: true), "bn-micro")
            #expect(bnWhole["fc.weight"] != bnMicro["fc.weight"], "batch norm over micro-batches should differ from the whole batch")
            let bad = try Self.write(config(accumulate: 3), dir, "bad.yaml")
            let r = netrun(["validate", bad])
            #expect(r.code != 0 && r.err.contains("bad.yaml:15:") && r.err.contains("accumulate: 3 does not divide train.batch 16"), "\(r.err)")
        }
    }

    /// `freeze: true` on the first conv and its batch norm: their weights, biases and running
    /// statistics stay as initialized (equal after 3 and after 9 steps, and to a run's
    /// initialization), while the layers after them train; a lower `lr_mult` moves its
    /// layer less. `netrun summary --format json` is not needed: the weights tell.
    @Test func frozenLayersKeepTheirWeightsAndStatisticsWhileTheRestTrains() throws {
        try withTemporaryDirectory { dir in
            let frozen = Self.config().replacingOccurrences(of: "- conv: {name: c1, out: 4, kernel: 3, pad: 1, act: relu}\n    - batchnorm: {name: bn}",
                                                            with: "- conv: {name: c1, out: 4, kernel: 3, pad: 1, act: relu, freeze: true}\n    - batchnorm: {name: bn, freeze: true}")
            #expect(frozen.contains("freeze: true}\n    - batchnorm: {name: bn, freeze: true}"), "\(frozen)")
            let c = try Self.write(frozen, dir)
            for steps in ["1", "3", "9"] {
                let r = netrun(["train", c, "--out", "\(dir)/s\(steps)", "--steps", steps])
                #expect(r.code == 0, "\(r.err)")
            }
            let one = try Self.tensors("\(dir)/s1/last.safetensors"), three = try Self.tensors("\(dir)/s3/last.safetensors")
            let nine = try Self.tensors("\(dir)/s9/last.safetensors")
            for name in ["c1.weight", "c1.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"] {
                #expect(one[name] != nil && one[name] == nine[name] && three[name] == nine[name], "\(name) changed while frozen")
            }
            #expect(nine["bn.running_mean"]?.allSatisfy { $0 == 0 } == true && nine["bn.running_var"]?.allSatisfy { $0 == 1 } == true,
                    "a frozen batch norm keeps its initial running statistics")
            #expect(three["fc.weight"] != nine["fc.weight"], "the layers after the frozen ones train")
        }
    }

    /// Mixup and CutMix draw from (seed, step): a run stopped at step 11 and resumed ends
    /// bitwise like an uninterrupted one, and differs from the run without them.
    @Test func aMixedRunResumesBitwise() throws {
        try withTemporaryDirectory { dir in
            let mixed = Self.config().replacingOccurrences(of: "augment: [{mirror: {p: 0.5}}]",
                                                           with: "augment: [{mirror: {p: 0.5}}, {mixup: {alpha: 0.2}}, {cutmix: {p: 0.5}}]")
            #expect(mixed.contains("cutmix"))
            let c = try Self.write(mixed, dir), plain = try Self.write(Self.config(), dir, "plain.yaml")
            try Self.expectResumesBitwiseAndChangesTheRun(c, plain: plain, in: dir, feature: "mixing")
            let bad = try Self.write(mixed.replacingOccurrences(of: "data: {format: synthetic, samples: 64}",
                                                                with: "data: {format: synthetic, samples: 64, drop_last: false}"), dir, "bad.yaml")
            let refused = netrun(["validate", bad])
            #expect(refused.code == 1 && refused.err.contains("mixup mixes whole batches: it needs drop_last: true"), "\(refused.err)")
        }
    }

    /// PCA color noise caches its components in the run directory, which may not exist yet.
    @Test func pcaColorNoiseCachesItsComponentsInANewRunDirectory() throws {
        try withTemporaryDirectory { dir in
            let text = Self.config(epochs: 1, data: "{format: synthetic, samples: 16}")
                .replacingOccurrences(of: "input: [1, 8, 8]", with: "input: [3, 8, 8]")
                .replacingOccurrences(of: "augment: [{mirror: {p: 0.5}}]", with: "augment: [{pca_color: {std: 0.1}}]")
            let c = try Self.write(text, dir)
            let run = netrun(["train", c, "--out", "\(dir)/new/run"])
            #expect(run.code == 0, "\(run.err)")
            #expect(FileManager.default.fileExists(atPath: "\(dir)/new/run/pca.npy"))
            #expect(FileManager.default.fileExists(atPath: "\(dir)/new/run/last.safetensors"))
        }
    }

    /// SIGINT mid-epoch: the step finishes, a checkpoint is saved, exit 130; the resumed run
    /// ends with the uninterrupted run's weights.
    @Test(.enabled(if: ConsoleTests.executable != nil))
    func aRunInterruptedBySIGINTAndResumedEndsLikeAnUninterruptedOne() throws {
        try withTemporaryDirectory { dir in
            // A long run (3200 steps); both runs stop at step 160, one of them after an interruption.
            let c = try Self.write(Self.config(epochs: 400), dir)
            let full = netrun(["train", c, "--out", "\(dir)/full", "--steps", "160"])
            #expect(full.code == 0, "\(full.err)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(ConsoleTests.executable))
            process.arguments = ["train", c, "--out", "\(dir)/part"]
            process.standardOutput = Pipe()
            process.standardError = Pipe()
            try process.run()
            // Wait for a few logged steps, then interrupt (mid-epoch, almost surely).
            let log = "\(dir)/part/metrics.jsonl"
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("\"step\":30,") { break }
                usleep(20_000)
            }
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
            #expect(process.terminationStatus == 130)
            let state = try Safetensors.read(path: "\(dir)/part/state.safetensors")
            let stopped = Int(try #require(Safetensors.read(path: "\(dir)/part/last.safetensors").metadata["step"])) ?? 0
            #expect(stopped >= 30 && stopped < 160, "stopped at \(stopped)")
            #expect(!state.tensors.isEmpty)
            let resumed = netrun(["train", c, "--resume", "\(dir)/part", "--steps", "160"])
            #expect(resumed.code == 0, "\(resumed.err)")
            let a = try Self.tensors("\(dir)/full/last.safetensors"), b = try Self.tensors("\(dir)/part/last.safetensors")
            for (name, values) in a { #expect(values == b[name], "\(name) differs after the resume") }
        }
    }

    @Test func aResumeWithAnotherConfigIsRefusedNamingTheKeysButALongerRunIsNot() throws {
        try withTemporaryDirectory { dir in
            let c = try Self.write(Self.config(), dir)
            #expect(netrun(["train", c, "--out", "\(dir)/run", "--steps", "4"]).code == 0)
            let changed = netrun(["train", c, "--resume", "\(dir)/run", "--set", "train.batch=4", "--set", "model.layers.fc.out=4"])
            #expect(changed.code == 2)
            #expect(changed.err.contains("train.batch: 8 in the run, 4 now"), "\(changed.err)")
            let longer = netrun(["train", c, "--resume", "\(dir)/run", "--set", "train.epochs=4", "--steps", "6"])
            #expect(longer.code == 0, "\(longer.err)")
            #expect(longer.out.contains("stopped after step 6 of 32"))
            // A directory with a run is not started over without --resume.
            let again = netrun(["train", c, "--out", "\(dir)/run"])
            #expect(again.code == 2 && again.err.contains("already holds a run; continue it with --resume"))
        }
    }

    @Test func aLossThatBecomesNaNStopsTheRunNamingTheStepAndKeepsTheLastCheckpoint() throws {
        try withTemporaryDirectory { dir in
            let c = try Self.write(Self.config(optimizer: "{type: sgd, lr: 1e30}"), dir)
            let r = netrun(["train", c, "--out", "\(dir)/run"])
            #expect(r.code == 3, "\(r.err)")
            #expect(r.err.contains("step 2: the loss is NaN; the first non-finite output is node 'fc' (dense)"), "\(r.err)")
            #expect(r.err.contains("no checkpoint had been saved yet"), "\(r.err)")
        }
    }

    /// Every bad input: exit 2, a message naming the file (and the index or tensor).
    @Test func badInputsAreNamedAndExitWithTwo() throws {
        try withTemporaryDirectory { dir in
            // Labels beyond the classes, counts that differ, a missing file, a file of another format.
            try NPY.write(NPYArray(shape: [16, 1, 8, 8], values: [Float](repeating: 0.5, count: 16 * 64)), to: "\(dir)/x.npy")
            try NPY.write(NPYArray(shape: [16], values: (0 ..< 16).map { $0 == 9 ? 7 : Float($0 % 4) }), to: "\(dir)/bad-label.npy")
            try NPY.write(NPYArray(shape: [15], values: (0 ..< 15).map { Float($0 % 4) }), to: "\(dir)/short.npy")
            try Data("not numpy".utf8).write(to: URL(fileURLWithPath: "\(dir)/text.npy"))
            let cases: [(String, String)] = [
                ("{format: npy, images: x.npy, labels: bad-label.npy}", "bad-label.npy"),
                ("{format: npy, images: x.npy, labels: short.npy}", "short.npy"),
                ("{format: npy, images: missing.npy, labels: short.npy}", "missing.npy"),
                ("{format: npy, images: text.npy, labels: short.npy}", "text.npy"),
                ("{format: idx, images: x.npy, labels: short.npy}", "x.npy"),
            ]
            for (data, file) in cases {
                let c = try Self.write(Self.config(data: data), dir)
                let r = netrun(["train", c, "--out", "\(dir)/run"])
                #expect(r.code == 2, "\(data): \(r.err)")
                #expect(r.err.contains(file) && r.err.contains("error:"), "\(data): \(r.err)")
                #expect(!FileManager.default.fileExists(atPath: "\(dir)/run/state.safetensors"))
            }
            let c = try Self.write(Self.config(), dir)
            // Weights that do not fit the model name the tensor.
            try Safetensors.write([NamedTensor(name: "c1.weight", shape: [1], values: [0])], to: "\(dir)/w.safetensors")
            let w = netrun(["train", c, "--out", "\(dir)/run", "--weights", "\(dir)/w.safetensors"])
            #expect(w.code == 2 && w.err.contains("c1.weight"), "\(w.err)")
            // The run directory is a file; or it is the config's own directory holding the config as config.yaml.
            try Data("x".utf8).write(to: URL(fileURLWithPath: "\(dir)/file"))
            let f = netrun(["train", c, "--out", "\(dir)/file"])
            #expect(f.code == 2 && f.err.contains("not a directory"), "\(f.err)")
            let input = try Self.write(Self.config(), dir, "config.yaml")
            let same = netrun(["train", input, "--out", dir])
            #expect(same.code == 2 && same.err.contains("same file as"), "\(same.err)")
        }
    }

    /// A run directory on a device that fills up (a file size limit here): a clear error
    /// naming the file, exit 2, and no half-written file left behind.
    @Test(.enabled(if: ConsoleTests.executable != nil))
    func aFullDiskIsAnErrorAndLeavesNoPartialFile() throws {
        try withTemporaryDirectory { dir in
            let c = try Self.write(Self.config(), dir)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            // 3 KiB (bash counts 1024-byte blocks): config.yaml and the first metrics fit, the first state does not.
            process.arguments = ["-c", "ulimit -f 3; exec \"$0\" train \"$1\" --out \"$2\"", try #require(ConsoleTests.executable), c, "\(dir)/run"]
            let err = Pipe()
            process.standardError = err
            process.standardOutput = Pipe()
            try process.run()
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 2, "\(text)")
            #expect(text.contains("\(dir)/run/") && text.contains("error:"), "\(text)")
            let left = try FileManager.default.contentsOfDirectory(atPath: "\(dir)/run")
            #expect(!left.contains { $0.contains(".tmp") || ($0.hasPrefix(".") && $0 != ".lock") }, "temporary files left: \(left)")
            for f in left where f.hasSuffix(".safetensors") {
                #expect(throws: Never.self, "\(f) is not whole") { _ = try Safetensors.read(path: "\(dir)/run/\(f)") }
            }
        }
    }

    @Test func evalReportsLossAccuracyPerClassAndConfusion() throws {
        try withTemporaryDirectory { dir in
            let c = try Self.write(Self.config(epochs: 1), dir)
            #expect(netrun(["train", c, "--out", "\(dir)/run"]).code == 0)
            let r = netrun(["eval", c, "--weights", "\(dir)/run/last.safetensors", "--format", "json"])
            #expect(r.code == 0, "\(r.err)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            #expect(json["examples"] as? Int == 20)
            let confusion = try #require(json["confusion"] as? [[Int]])
            #expect(confusion.count == 4 && confusion.allSatisfy { $0.count == 4 })
            #expect(confusion.flatMap { $0 }.reduce(0, +) == 20)
            let top1 = try #require(json["top1"] as? Double), top2 = try #require(json["top2"] as? Double)
            #expect(top2 >= top1)
            let diagonal = (0 ..< 4).reduce(0) { $0 + confusion[$1][$1] }
            #expect(abs(Double(diagonal) / 20 - top1) < 1e-12)
            let text = netrun(["eval", c, "--weights", "\(dir)/run/last.safetensors", "--views", "center"])
            #expect(text.code == 0 && text.out.contains("top-1"))
        }
    }
}
