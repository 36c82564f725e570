import Foundation
import Testing
import _NetrunTestSupport
@testable import NetrunRunner

// MARK: - A realistic run to feed the sinks

/// A training run's events: a loss falling from about 2.3 with some noise, a step schedule
/// (÷10 at 60% and 85% of the steps), an evaluation every `evaluateEvery` steps.
struct SampleRun {
    var name = "fashion-alexnet"
    var totalSteps = 300
    var stepsPerEpoch = 25
    var batch = 128
    var heads = ["main"]
    var evaluateEvery = 25

    var start: MetricsEvent { .runStart(.init(configName: name, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch)) }

    func resumed(after step: Int) -> MetricsEvent {
        .runStart(.init(configName: name, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch, resumedFromStep: step))
    }

    func learningRate(_ step: Int) -> Float {
        step <= totalSteps * 60 / 100 ? 0.01 : step <= totalSteps * 85 / 100 ? 0.001 : 0.0001
    }

    func epoch(_ step: Int) -> Int { (step - 1) / stepsPerEpoch + 1 }

    func train(_ step: Int) -> MetricsEvent {
        let t = Double(step)
        let base = 2.3 * exp(-t / Double(totalSteps) * 4) + 0.25 + 0.08 * sin(t * 1.7)
        let losses = heads.enumerated().map { i, name in
            MetricsEvent.HeadLoss(name: name, value: Float(base * (1 + 0.1 * Double(i))))
        }
        let total = losses.enumerated().reduce(Float(0)) { $0 + $1.element.value * ($1.offset == 0 ? 1 : 0.3) }
        return .trainStep(.init(step: step, epoch: epoch(step), epochProgress: t / Double(stepsPerEpoch),
                                losses: losses, totalLoss: total, learningRate: learningRate(step),
                                imagesPerSecond: Double(Float(900 + 40 * sin(t))), examplesSeen: step * batch))
    }

    func evaluation(_ step: Int) -> MetricsEvent {
        let t = Double(step) / Double(totalSteps)
        let top1 = Float(0.1 + 0.8 * (1 - exp(-4 * t)))
        return .evaluation(.init(step: step, epoch: epoch(step), loss: Float(2.3 * exp(-3 * t) + 0.35),
                                 topK: [1: top1, 5: min(1, top1 + 0.12)], examples: 10000))
    }

    /// The events of steps `from...to`, an evaluation after every `evaluateEvery`-th step.
    func events(from: Int = 1, to: Int? = nil) -> [MetricsEvent] {
        (from ... (to ?? totalSteps)).flatMap { step in
            step % evaluateEvery == 0 ? [train(step), evaluation(step)] : [train(step)]
        }
    }
}

/// A sink that remembers what it got, or throws.
final class RecordingSink: MetricsSink, @unchecked Sendable {
    // Only touched from the test's own thread.
    var events: [MetricsEvent] = []
    var closed = false
    let failure: MetricsError?

    init(failing failure: MetricsError? = nil) { self.failure = failure }

    func record(_ event: MetricsEvent) throws {
        events.append(event)
        if let failure { throw failure }
    }

    func close() throws { closed = true }
}

func lines(ofFile path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
}

func jsonObject(_ line: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not an object: \(line)")
}

// MARK: - metrics.jsonl

@Suite struct MetricsJSONLTests {
    @Test func eachStepAndEvaluationIsOneLineWithTheDocumentedKeys() throws {
        let run = SampleRun(totalSteps: 4, stepsPerEpoch: 2, heads: ["main", "aux1"], evaluateEvery: 2)
        try withTemporaryDirectory { dir in
            let sink = MetricsJSONLSink(runDirectory: dir)
            try sink.record(run.start)
            for event in run.events() { try sink.record(event) }
            try sink.record(.runEnd(.init(step: 4, reason: .finished)))
            try sink.close()

            let text = try lines(ofFile: "\(dir)/metrics.jsonl")
            #expect(text.last == "", "the file ends with a newline")
            let objects = try text.dropLast().map(jsonObject)
            #expect(objects.count == 6)   // 4 steps, 2 evaluations
            let trainKeys: Set = ["step", "epoch", "epoch_progress", "examples", "loss", "loss/main", "loss/aux1", "lr", "img_s"]
            let evalKeys: Set = ["step", "epoch", "val_loss", "val_top1", "val_top5", "val_examples"]
            #expect(objects.map { Set($0.keys) } == [trainKeys, trainKeys, evalKeys, trainKeys, trainKeys, evalKeys])
            #expect(objects.map { ($0["step"] as? NSNumber)?.intValue } == [1, 2, 2, 3, 4, 4])
            #expect(objects.map { ($0["epoch"] as? NSNumber)?.intValue } == [1, 1, 1, 2, 2, 2])

            guard case .trainStep(let third) = run.train(3), case .evaluation(let second) = run.evaluation(4) else { return }
            let line3 = objects[3], line5 = objects[5]
            #expect((line3["loss"] as? NSNumber)?.floatValue == third.totalLoss)
            #expect((line3["loss/aux1"] as? NSNumber)?.floatValue == third.losses[1].value)
            #expect((line3["lr"] as? NSNumber)?.floatValue == third.learningRate)
            #expect((line3["examples"] as? NSNumber)?.intValue == 3 * 128)
            #expect((line5["val_loss"] as? NSNumber)?.floatValue == second.loss)
            #expect((line5["val_top5"] as? NSNumber)?.floatValue == second.top5)
            // Keys in a fixed order, so the file diffs well.
            #expect(text[0].hasPrefix("{\"step\":1,\"epoch\":1,\"epoch_progress\":"))
        }
    }

    @Test(arguments: [Float.pi, 0.1, 1e-7, 3.4028235e38, Float.leastNormalMagnitude, Float.leastNonzeroMagnitude,
                      -2.5e-3, 0.30000001, 123456.79, Float(bitPattern: 0x3F80_0001)])
    func floatsReadBackAsTheSameFloat32(value: Float) throws {
        let event = MetricsEvent.trainStep(.init(step: 7, epoch: 1, epochProgress: 0.5, losses: [.init(name: "main", value: value)],
                                                 totalLoss: value, learningRate: value, imagesPerSecond: 1, examplesSeen: 7))
        let line = try #require(MetricsLog.line(for: event))
        let object = try jsonObject(line)
        // Read the number's text as Float32 directly (not through Double).
        let text = try #require(line.split(separator: ",").first { $0.hasPrefix("\"loss\":") }).dropFirst("\"loss\":".count)
        #expect(Float(String(text))?.bitPattern == value.bitPattern, "\(text)")
        #expect((object["lr"] as? NSNumber)?.floatValue == value)
    }

    @Test func nonFiniteValuesAreWrittenAsNull() throws {
        let event = MetricsEvent.trainStep(.init(step: 3, epoch: 1, epochProgress: 0.1, losses: [.init(name: "main", value: .nan)],
                                                 totalLoss: .infinity, learningRate: 0.1, imagesPerSecond: .nan, examplesSeen: 3))
        let object = try jsonObject(try #require(MetricsLog.line(for: event)))
        #expect(object["loss"] is NSNull)
        #expect(object["loss/main"] is NSNull)
        #expect(object["img_s"] is NSNull)
        #expect((object["lr"] as? NSNumber)?.floatValue == 0.1)
    }

    @Test func headNamesAreEscapedAsJSONStrings() throws {
        let event = MetricsEvent.trainStep(.init(step: 1, epoch: 1, epochProgress: 0, losses: [.init(name: "a\"b\\c\u{1}", value: 1)],
                                                 totalLoss: 1, learningRate: 0.1, imagesPerSecond: 1, examplesSeen: 1))
        let object = try jsonObject(try #require(MetricsLog.line(for: event)))
        #expect((object["loss/a\"b\\c\u{1}"] as? NSNumber)?.floatValue == 1)
    }

    /// img_s is written as a float32, so the sample's throughputs are float32 values.
    @Test func readingTheFileBackGivesTheEventsWritten() throws {
        let run = SampleRun(totalSteps: 60, heads: ["main", "aux1", "aux2"])
        try withTemporaryDirectory { dir in
            let sink = MetricsJSONLSink(runDirectory: dir)
            try sink.record(run.start)
            let events = run.events()
            for event in events { try sink.record(event) }
            try sink.close()
            #expect(try MetricsLog.read(path: "\(dir)/metrics.jsonl") == events)
        }
    }

    @Test func aResumeKeepsTheLinesUpToItsStepAndDropsAPartialLastLine() throws {
        let run = SampleRun(totalSteps: 100)
        try withTemporaryDirectory { dir in
            let path = "\(dir)/metrics.jsonl"
            let first = MetricsJSONLSink(path: path)
            try first.record(run.start)
            for event in run.events(to: 80) { try first.record(event) }
            try first.close()
            // The process died in the middle of writing step 81's line.
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("{\"step\":81,\"epoch\":4,\"epoch_prog".utf8))
            try handle.close()
            let before = try lines(ofFile: path)

            // The checkpoint was taken after step 60; steps 61... are run again.
            let second = MetricsJSONLSink(path: path)
            try second.record(run.resumed(after: 60))
            let kept = try lines(ofFile: path)
            #expect(kept.last == "")
            #expect(Array(kept.dropLast()) == Array(before.prefix(60 + 60 / 25)), "steps 1...60 and evaluations at 25 and 50, unchanged")
            for event in run.events(from: 61) { try second.record(event) }
            try second.close()

            let steps = try MetricsLog.read(path: path).map(\.step)
            let expected = run.events().map(\.step)
            #expect(steps == expected)
        }
    }

    @Test func aResumeWithoutAFileStartsOne() throws {
        let run = SampleRun()
        try withTemporaryDirectory { dir in
            let sink = MetricsJSONLSink(runDirectory: dir)
            try sink.record(run.resumed(after: 40))
            try sink.record(run.train(41))
            try sink.close()
            #expect(try MetricsLog.read(path: "\(dir)/metrics.jsonl").map(\.step) == [41])
        }
    }

    @Test func aFreshRunStartsTheFileOver() throws {
        let run = SampleRun()
        try withTemporaryDirectory { dir in
            let path = "\(dir)/metrics.jsonl"
            try "{\"step\":1,\"epoch\":1,\"loss\":9}\n{\"step\":2,\"epoch\":1,\"loss\":9}\n".write(toFile: path, atomically: true, encoding: .utf8)
            let sink = MetricsJSONLSink(path: path)
            try sink.record(run.start)
            try sink.record(run.train(1))
            try sink.close()
            #expect(try MetricsLog.read(path: path) == [run.train(1)])
        }
    }

    @Test func aDamagedLineStopsTheResumeWithTheFileAndLine() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/metrics.jsonl"
            try "{\"step\":1,\"epoch\":1,\"loss\":2}\nhello\n{\"step\":3,\"epoch\":1,\"loss\":2}\n".write(toFile: path, atomically: true, encoding: .utf8)
            let sink = MetricsJSONLSink(path: path)
            let error = try #require(throws: MetricsError.self) { try sink.record(SampleRun().resumed(after: 2)) }
            #expect(error.path == path)
            #expect(error.description.hasPrefix("\(path):2: error: not a metrics record"))
            // The file is left as it was.
            #expect(try String(contentsOfFile: path, encoding: .utf8).contains("hello"))
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func aFullDiskIsAnErrorNamingTheFile() throws {
        let sink = MetricsJSONLSink(path: "/dev/full")
        try sink.record(SampleRun().start)
        let error = try #require(throws: MetricsError.self) { try sink.record(SampleRun().train(1)) }
        #expect(error.description == "/dev/full: error: cannot write a record: \(String(cString: strerror(ENOSPC)))")
        try sink.close()
    }

    @Test func aMissingDirectoryIsAnErrorNamingTheFile() throws {
        try withTemporaryDirectory { dir in
            let sink = MetricsJSONLSink(runDirectory: "\(dir)/nope")
            let error = try #require(throws: MetricsError.self) { try sink.record(SampleRun().start) }
            #expect(error.description == "\(dir)/nope/metrics.jsonl: error: cannot open for appending: \(String(cString: strerror(ENOENT)))")
        }
    }

    @Test func recordingBeforeTheRunStartsIsAnError() throws {
        try withTemporaryDirectory { dir in
            let sink = MetricsJSONLSink(runDirectory: dir)
            #expect(throws: MetricsError.self) { try sink.record(SampleRun().train(1)) }
        }
    }
}

// MARK: - Several sinks

@Suite struct MetricsSinksTests {
    @Test func everySinkGetsEveryEventEvenWhenOneFails() throws {
        let failing = RecordingSink(failing: MetricsError(path: "x", message: "disk full"))
        let healthy = RecordingSink()
        let sinks = MetricsSinks([failing, healthy])
        let error = try #require(throws: MetricsError.self) { try sinks.record(SampleRun().start) }
        #expect(error == MetricsError(path: "x", message: "disk full"))
        #expect(healthy.events == [SampleRun().start])
        try sinks.close()
        #expect(failing.closed && healthy.closed)
    }

    @Test func severalFailuresAreReportedTogether() throws {
        let sinks = MetricsSinks([RecordingSink(failing: MetricsError(path: "a", message: "one")),
                                  RecordingSink(failing: MetricsError(path: "b", message: "two"))])
        let error = try #require(throws: MetricsError.self) { try sinks.record(SampleRun().start) }
        #expect(error.message.contains("a: error: one") && error.message.contains("b: error: two"))
    }

    /// A damaged metrics.jsonl on a resume: its own sink and the curves' (which reads the
    /// history from it) fail alike; the line is named once, as `file:line`.
    @Test func aDamagedMetricsFileIsNamedOnceWithItsLine() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/metrics.jsonl"
            try "{\"step\":1,\"epoch\":1,\"loss\":2}\ngarbage\n".write(toFile: path, atomically: true, encoding: .utf8)
            let sinks = MetricsSinks([MetricsJSONLSink(runDirectory: dir), MetricsCurvesSink(runDirectory: dir)])
            let error = try #require(throws: MetricsError.self) { try sinks.record(SampleRun().resumed(after: 1)) }
            #expect(!error.description.contains("sinks failed"), "\(error)")
            #expect(error.description.hasPrefix("\(path):2: error: not a metrics record"), "\(error)")
            #expect(error.description.components(separatedBy: "not a metrics record").count == 2, "\(error)")
        }
    }
}
