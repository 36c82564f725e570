import Foundation
import NetrunFormats
import Testing
import _NetrunTestSupport

/// `netrun eval` on outputs that are not finite, and under signals; and the evaluation
/// inside `train` under SIGTERM.
@Suite struct EvalTests {
    /// Weights that overflow the last layer (3e38 times the features: +inf, -inf and NaN
    /// sums): every such example is wrong, the loss undefined, the node named, exit 3.
    @Test func outputsThatAreNotFiniteCountAsWrongAndNameTheirNode() throws {
        try withTemporaryDirectory { dir in
            let c = try TrainCommandTests.write(TrainCommandTests.config(epochs: 1), dir)
            #expect(netrun(["train", c, "--out", "\(dir)/run"]).code == 0)
            let file = try Safetensors.read(path: "\(dir)/run/last.safetensors")
            let huge = file.tensors.map { t in
                NamedTensor(name: t.name, shape: t.shape, values: t.name == "fc.weight" ? t.values.map { $0 < 0 ? -3e38 : 3e38 } : t.values)
            }
            try Safetensors.write(huge, metadata: [:], to: "\(dir)/huge.safetensors")

            let r = netrun(["eval", c, "--weights", "\(dir)/huge.safetensors", "--format", "json"])
            #expect(r.code == 3, "\(r.err)")
            #expect(r.err.contains("\(dir)/huge.safetensors: error: the outputs of "), "\(r.err)")
            #expect(r.err.contains("of 20 examples are not finite (NaN or infinite); they count as wrong"), "\(r.err)")
            #expect(r.err.contains("the first non-finite output is node 'fc' (dense)"), "\(r.err)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let confusion = try #require(json["confusion"] as? [[Int]])
            let nonFinite = try #require(json["non_finite"] as? [Int])
            let bad = nonFinite.reduce(0, +)
            let counted = confusion.flatMap { $0 }.reduce(0, +)
            #expect(bad > 0)
            #expect(counted + bad == 20)
            #expect(json["loss"] is NSNull)
            let top1 = try #require(json["top1"] as? Double), top2 = try #require(json["top2"] as? Double)
            let diagonal = (0 ..< 4).reduce(0) { $0 + confusion[$1][$1] }
            #expect(abs(Double(diagonal) / 20 - top1) < 1e-12, "top-1 \(top1) against the confusion's \(diagonal) of 20")
            #expect(top2 <= Double(20 - bad) / 20)
            #expect(json["first_non_finite"] as? String == "node 'fc' (dense)")

            let text = netrun(["eval", c, "--weights", "\(dir)/huge.safetensors"])
            #expect(text.code == 3)
            #expect(text.out.contains("loss:     nan"), "\(text.out)")
            #expect(text.out.contains("last column: outputs not finite, counted wrong"), "\(text.out)")
        }
    }

    /// `--views mirror`: each example's softmax averaged over its image and the image
    /// mirrored left to right, checked against `netrun predict`'s logits of both (flip TTA).
    @Test func mirrorViewsAverageTheSoftmaxOfTheImageAndItsMirror() throws {
        try withTemporaryDirectory { dir in
            let c = try TrainCommandTests.write(TrainCommandTests.config(epochs: 1), dir)
            #expect(netrun(["train", c, "--out", "\(dir)/run"]).code == 0)
            // 6 float images of 1 x 8 x 8, and each mirrored.
            var rng = SplitMix64(seed: 21)
            let (n, w) = (6, 8)
            let x = (0 ..< n * w * w).map { _ in Float(rng.normal()) }
            let flipped = (0 ..< n * w * w).map { i in x[i - i % w + (w - 1 - i % w)] }
            let labels: [Float] = [0, 1, 2, 3, 1, 2]
            try NPY.write(NPYArray(shape: [n, 1, w, w], values: x), to: "\(dir)/x.npy")
            try NPY.write(NPYArray(shape: [n, 1, w, w], values: flipped), to: "\(dir)/xf.npy")
            try NPY.write(NPYArray(shape: [n], values: labels), to: "\(dir)/y.npy")
            let weights = "\(dir)/run/last.safetensors"
            var logits: [[Float]] = []
            for input in ["x", "xf"] {
                let r = netrun(["predict", c, "--weights", weights, "--input", "\(dir)/\(input).npy", "--output", "\(dir)/\(input)-out.npy"])
                #expect(r.code == 0, "\(r.err)")
                logits.append(try NPY.read(path: "\(dir)/\(input)-out.npy").values)
            }
            var loss = 0.0, top1 = 0
            for e in 0 ..< n {
                var p = [Double](repeating: 0, count: 4)
                for view in logits {
                    let row = view[e * 4 ..< (e + 1) * 4].map(Double.init)
                    let m = row.max() ?? 0, sum = row.reduce(0) { $0 + exp($1 - m) }
                    for j in 0 ..< 4 { p[j] += exp(row[j] - m) / sum / 2 }
                }
                let label = Int(labels[e])
                loss += -log(p[label]) / Double(n)
                if p.indices.allSatisfy({ p[$0] <= p[label] }) { top1 += 1 }
            }
            let data = "--set=eval.data={format: npy, images: \(dir)/x.npy, labels: \(dir)/y.npy}"
            let r = netrun(["eval", c, "--weights", weights, data, "--views", "mirror", "--format", "json"])
            #expect(r.code == 0, "\(r.err)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let measured = try #require(json["loss"] as? Double)
            #expect(abs(measured - loss) < 1e-5 * max(1, loss), "loss \(measured), expected \(loss)")
            #expect(json["top1"] as? Double == Double(top1) / Double(n))
            let center = netrun(["eval", c, "--weights", weights, data, "--views", "center", "--format", "json"])
            let centerLoss = try #require(try JSONSerialization.jsonObject(with: Data(center.out.utf8)) as? [String: Any])["loss"] as? Double
            #expect(abs((centerLoss ?? 0) - loss) > 1e-4, "the mirror changes the measure")
        }
    }

    /// A config whose evaluation takes seconds (a large synthetic set) after a one-step epoch.
    static func slowEvaluation(samples: Int) -> String {
        TrainCommandTests.config(epochs: 2, data: "{format: synthetic, samples: 8}")
            .replacingOccurrences(of: "data: {format: synthetic, samples: 20}", with: "data: {format: synthetic, samples: \(samples)}")
            .replacingOccurrences(of: "batch: 6", with: "batch: 64")
    }

    /// Runs `arguments`, waits until `ready` holds (checked every 20 ms, up to 60 s), sends
    /// SIGTERM and returns the exit status, standard error and the seconds from the signal to the exit.
    static func terminate(_ arguments: [String], when ready: () -> Bool) throws -> (code: Int32, err: String, seconds: Double) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(ConsoleTests.executable))
        process.arguments = arguments
        let err = Pipe()
        process.standardOutput = Pipe()
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !ready() { usleep(20_000) }
        let signalled = Date()
        kill(process.processIdentifier, SIGTERM)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text, Date().timeIntervalSince(signalled))
    }

    /// `netrun eval` stopped by SIGTERM: a message naming the signal and how far it got, exit 130.
    @Test(.enabled(if: ConsoleTests.executable != nil))
    func evalStoppedBySIGTERMSaysSoAndExits130() throws {
        try withTemporaryDirectory { dir in
            let c = try TrainCommandTests.write(Self.slowEvaluation(samples: 200_000), dir)
            #expect(netrun(["train", c, "--out", "\(dir)/run", "--steps", "1"]).code == 0)
            let started = Date()
            let r = try Self.terminate(["eval", c, "--weights", "\(dir)/run/last.safetensors"]) {
                Date().timeIntervalSince(started) > 1
            }
            #expect(r.code == 130, "\(r.err)")
            #expect(r.err.contains("eval interrupted by SIGTERM after "), "\(r.err)")
            #expect(r.err.contains(" of 200000 examples; nothing measured"), "\(r.err)")
        }
    }

    /// SIGTERM during the evaluation inside `train` stops it at the next batch: the step is
    /// saved with the evaluation pending, exit 130, and the resumed run evaluates that step
    /// first, ending with the uninterrupted run's metrics.
    @Test(.enabled(if: ConsoleTests.executable != nil))
    func sigtermDuringTrainingsEvaluationStopsWithinABatchAndTheResumeRedoesIt() throws {
        try withTemporaryDirectory { dir in
            let c = try TrainCommandTests.write(Self.slowEvaluation(samples: 200_000), dir)
            let timed = Date()
            let full = netrun(["train", c, "--out", "\(dir)/full", "--steps", "1"])
            let evaluation = Date().timeIntervalSince(timed)
            #expect(full.code == 0, "\(full.err)")
            let log = "\(dir)/part/metrics.jsonl"
            var stepLogged: Date?
            let r = try Self.terminate(["train", c, "--out", "\(dir)/part", "--steps", "1"]) {
                // The step's line is written just before its evaluation starts.
                guard let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains("\"step\":1,") else { return false }
                stepLogged = stepLogged ?? Date()
                return Date().timeIntervalSince(stepLogged ?? Date()) > evaluation / 4
            }
            #expect(r.code == 130, "\(r.err)")
            // Within a batch, not after the whole evaluation (which took `evaluation` seconds).
            #expect(r.seconds < evaluation / 2, "stopped \(r.seconds) s after SIGTERM; the evaluation takes \(evaluation) s")
            let partLog = try String(contentsOfFile: log, encoding: .utf8)
            #expect(!partLog.contains("\"val_top1\""), "an interrupted evaluation is not reported")
            let resumed = netrun(["train", c, "--resume", "\(dir)/part", "--steps", "1"])
            #expect(resumed.code == 0, "\(resumed.err)")
            func evaluations(_ path: String) throws -> [String] {
                try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init).filter { $0.contains("\"val_top1\"") }
                    .map { $0.replacingOccurrences(of: #""time":[0-9.e+-]+,?"#, with: "", options: .regularExpression) }
            }
            let a = try evaluations("\(dir)/full/metrics.jsonl"), b = try evaluations(log)
            #expect(a.count == 1 && a == b, "\(a) against \(b)")
        }
    }

    /// A data file that does not fit the model: its own path once, not the run directory's
    /// in front of it ("out: error: img.idx: error: ...").
    @Test func aDataErrorInTrainNamesItsFileOnce() throws {
        try withTemporaryDirectory { dir in
            // Eight 4x4 images for a model of 8x8 inputs.
            let idx: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 8, 0, 0, 0, 4, 0, 0, 0, 4] + [UInt8](repeating: 1, count: 128)
            try Data(idx).write(to: URL(fileURLWithPath: "\(dir)/img.idx"))
            try Data([0, 0, 8, 1, 0, 0, 0, 8, 0, 1, 2, 3, 0, 1, 2, 3]).write(to: URL(fileURLWithPath: "\(dir)/lab.idx"))
            let c = try TrainCommandTests.write(TrainCommandTests.config(data: "{format: idx, images: img.idx, labels: lab.idx}"), dir)
            let r = netrun(["train", c, "--out", "\(dir)/out", "--steps", "1"])
            #expect(r.code == 2)
            #expect(r.err.hasPrefix("\(dir)/img.idx: error: images are 4x4"), "\(r.err)")
            #expect(r.err.components(separatedBy: ": error: ").count == 2, "\(r.err)")
        }
    }
}
