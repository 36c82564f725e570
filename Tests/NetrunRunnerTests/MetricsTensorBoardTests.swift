import Foundation
import Testing
import _NetrunTestSupport
@testable import NetrunRunner

// MARK: - CRC-32C and TFRecord framing

/// The catalogue check value and the vectors of RFC 3720 appendix B.4.
let crc32cVectors: [([UInt8], UInt32)] = [
    (Array("123456789".utf8), 0xE306_9283),
    ([], 0),
    ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
    ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
    ((0 ..< 32).map { UInt8($0) }, 0x46DD_794E),
    ((0 ..< 32).reversed().map { UInt8($0) }, 0x113F_DB5C),
]

/// Masked values as TensorBoard's own `masked_crc32c` computes them
/// (tensorboard.compat.tensorflow_stub.pywrap_tensorflow).
let maskedCRC32CVectors: [([UInt8], UInt32)] = [
    (Array("123456789".utf8), 0xC78A_B0E5),
    ([], 0xA282_EAD8),
    ([UInt8](repeating: 0, count: 32), 0x0FD7_FFFA),
    ([UInt8](repeating: 0xFF, count: 32), 0xF909_B029),
    ([UInt8](repeating: 0, count: 8), 0x0798_0329),
]

@Suite struct MetricsCRC32CTests {
    @Test(arguments: crc32cVectors)
    func checksumMatchesKnownVectors(bytes: [UInt8], expected: UInt32) {
        #expect(CRC32C.checksum(bytes) == expected)
    }

    @Test(arguments: maskedCRC32CVectors)
    func maskedChecksumMatchesTensorBoard(bytes: [UInt8], expected: UInt32) {
        #expect(CRC32C.maskedChecksum(bytes) == expected)
    }

    /// The bytes TensorBoard's RecordWriter writes for the record 01 02 03.
    @Test func framingMatchesTensorBoardsRecordWriter() {
        let expected: [UInt8] = [0x03, 0, 0, 0, 0, 0, 0, 0, 0xB0, 0x99, 0x49, 0x0E, 0x01, 0x02, 0x03, 0x39, 0xCD, 0xC0, 0x86]
        #expect(TFRecord.frame([1, 2, 3]) == expected)
    }

    @Test func aScanFindsEveryRecordOfAWholeFile() {
        let records: [[UInt8]] = [[], [7], Array("hello".utf8), [UInt8](repeating: 9, count: 300)]
        let file = records.flatMap(TFRecord.frame)
        let scan = TFRecord.scan(file)
        #expect(scan.stop == nil)
        #expect(scan.validLength == file.count)
        #expect(scan.records.map { Array(file[$0.data]) } == records)
    }

    @Test func everyCutOfTheLastRecordIsAPartialRecord() {
        let whole = TFRecord.frame(Array("first".utf8)) + TFRecord.frame(Array("second record".utf8))
        let firstLength = TFRecord.overhead + 5
        for cut in firstLength + 1 ..< whole.count {
            let scan = TFRecord.scan(Array(whole[..<cut]))
            #expect(scan.stop == .partialLastRecord, "cut at \(cut)")
            #expect(scan.validLength == firstLength, "cut at \(cut)")
            #expect(scan.records.count == 1)
        }
    }

    @Test func aZeroFilledTailIsAPartialRecord() {
        let file = TFRecord.frame([1, 2]) + [UInt8](repeating: 0, count: 40)
        #expect(TFRecord.scan(file).stop == .partialLastRecord)
        #expect(TFRecord.scan(file).validLength == TFRecord.overhead + 2)
    }

    @Test func aDamagedRecordBeforeOthersIsCorruption() {
        var file = TFRecord.frame([1, 2, 3]) + TFRecord.frame([4, 5, 6]) + TFRecord.frame([7])
        file[TFRecord.overhead + 3 + 13] ^= 0x40   // the second data byte of the second record
        let scan = TFRecord.scan(file)
        #expect(scan.stop == .corrupt(offset: TFRecord.overhead + 3, reason: "the data's checksum does not match"))
        #expect(scan.records.count == 1)
    }
}

// MARK: - The event files

/// The events of a file, decoded with the generated code.
func tensorBoardEvents(_ path: String) throws -> [Tensorboard_Event] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let scan = TFRecord.scan(bytes)
    #expect(scan.stop == nil, "\(path)")
    return try scan.records.map { try Tensorboard_Event(serializedBytes: Array(bytes[$0.data])) }
}

func eventFiles(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains("tfevents") }.sorted()
}

/// A clock for wall times that moves on by one millisecond per call.
final class TestWallClock: @unchecked Sendable {
    // Only read from the sink's calls, which are serialized by the sink's lock.
    private var now: Double
    init(_ start: Double) { now = start }
    func tick() -> Double { now += 0.001; return now }
}

@Suite struct MetricsTensorBoardTests {
    @Test func aFreshRunWritesTheVersionARestartMarkerAndOneEventPerRecord() throws {
        let run = SampleRun(totalSteps: 50, heads: ["main", "aux1"])
        try withTemporaryDirectory { dir in
            let clock = TestWallClock(1_700_000_000)
            let sink = TensorBoardSink(runDirectory: dir, hostname: "box.example", clock: { clock.tick() })
            try sink.record(run.start)
            let events = run.events()
            for event in events { try sink.record(event) }
            try sink.record(.runEnd(.init(step: 50, reason: .finished)))
            let path = try #require(sink.path)
            try sink.close()
            #expect(sink.path == nil)

            #expect(try eventFiles(dir) == ["events.out.tfevents.1700000000.box.example"])
            #expect(path == "\(dir)/events.out.tfevents.1700000000.box.example")
            let written = try tensorBoardEvents(path)
            #expect(written.count == 2 + events.count)
            #expect(written[0].fileVersion == "brain.Event:2")
            #expect(written[1].sessionLog.status == .start && written[1].step == 0)
            #expect(zip(written, written.dropFirst()).allSatisfy { $0.wallTime < $1.wallTime })

            guard case .trainStep(let s) = events[0], case .evaluation(let e) = events[25] else {
                Issue.record("unexpected sample")
                return
            }
            let first = written[2]
            #expect(first.step == 1)
            #expect(first.summary.value.map(\.tag) == ["train/loss", "train/loss/main", "train/loss/aux1", "train/lr", "train/img_s", "train/epoch"])
            #expect(first.summary.value.map(\.simpleValue) == [s.totalLoss, s.losses[0].value, s.losses[1].value, s.learningRate,
                                                              Float(s.imagesPerSecond), Float(s.epochProgress)])
            let evaluation = written[2 + 25]
            #expect(evaluation.step == 25)
            #expect(evaluation.summary.value.map(\.tag) == ["val/loss", "val/top1", "val/top5"])
            #expect(evaluation.summary.value.map(\.simpleValue) == [e.loss, e.topK[1], e.topK[5]])
        }
    }

    @Test func aResumeReopensTheLatestFileAndDropsWhatCameAfterItsStep() throws {
        let run = SampleRun(totalSteps: 100)
        try withTemporaryDirectory { dir in
            let clock = TestWallClock(1_700_000_000)
            let first = TensorBoardSink(runDirectory: dir, hostname: "h", clock: { clock.tick() })
            try first.record(run.start)
            for event in run.events(to: 80) { try first.record(event) }
            let path = try #require(first.path)
            try first.close()
            // Half of step 81's record made it to disk.
            let handle = try #require(FileHandle(forWritingAtPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(TFRecord.frame([UInt8](repeating: 1, count: 40)).prefix(30)))
            try handle.close()

            let clock2 = TestWallClock(1_700_000_500)
            let second = TensorBoardSink(runDirectory: dir, hostname: "h", clock: { clock2.tick() })
            try second.record(run.resumed(after: 60))
            #expect(second.path == path)
            for event in run.events(from: 61) { try second.record(event) }
            try second.close()

            #expect(try eventFiles(dir).count == 1)
            let events = try tensorBoardEvents(path)
            let summarySteps = events.filter { if case .summary? = $0.what { true } else { false } }.map { Int($0.step) }
            #expect(summarySteps == run.events().map(\.step))
            let restarts = events.filter { $0.sessionLog.status == .start }.map(\.step)
            #expect(restarts == [0, 61])
        }
    }

    @Test func aDamagedEventFileStopsTheResumeWithItsName() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/events.out.tfevents.1700000000.h"
            var bytes = TFRecord.frame([1, 2, 3]) + TFRecord.frame([4, 5, 6])
            bytes[3] = 0x7F   // the first length, so that its checksum fails
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let sink = TensorBoardSink(runDirectory: dir, hostname: "h")
            let error = try #require(throws: MetricsError.self) { try sink.record(SampleRun().resumed(after: 10)) }
            #expect(error.path == path)
            #expect(error.message.hasPrefix("the event file is damaged at byte 0"))
        }
    }

    @Test func aMissingRunDirectoryIsAnErrorNamingTheFile() throws {
        try withTemporaryDirectory { dir in
            let sink = TensorBoardSink(runDirectory: "\(dir)/missing", hostname: "h", clock: { 1_700_000_000 })
            let error = try #require(throws: MetricsError.self) { try sink.record(SampleRun().start) }
            #expect(error.path == "\(dir)/missing/events.out.tfevents.1700000000.h")
        }
    }

    @Test func theHostnameIsSafeInAFileName() {
        let name = TensorBoardSink.currentHostname()
        #expect(!name.isEmpty)
        #expect(!name.contains("/"))
    }
}

// MARK: - Read back by TensorBoard itself

/// True when python3 can import TensorBoard's EventAccumulator.
let tensorBoardAvailable: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "from tensorboard.backend.event_processing.event_accumulator import EventAccumulator"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}()

/// Set in CI: tests that need Python packages must run, and fail when they are missing.
let pythonPackagesRequired = ProcessInfo.processInfo.environment["NETRUN_REQUIRE_TORCH"] == "1"

@Suite(.enabled(if: tensorBoardAvailable || pythonPackagesRequired, "python3 with the tensorboard package"))
struct MetricsTensorBoardReadBackTests {
    /// Every scalar EventAccumulator sees: tag -> [[step, value]] (compared as float32: the
    /// values are float32, and Python prints them as doubles).
    func accumulate(_ dir: String) throws -> [String: [[Float]]] {
        try #require(tensorBoardAvailable, "NETRUN_REQUIRE_TORCH is set but python3 cannot import tensorboard (pip install tensorboard)")
        let script = """
        import json, sys
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        acc = EventAccumulator(sys.argv[1], size_guidance={'scalars': 0})
        acc.Reload()
        print(json.dumps({t: [[e.step, e.value] for e in acc.Scalars(t)] for t in acc.Tags()['scalars']}))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, dir]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "python failed: \(errors)")
        let read = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [[Double]]], "\(errors)")
        return read.mapValues { $0.map { $0.map(Float.init) } }
    }

    /// The scalars the events hold, in the same shape.
    func expected(_ events: [MetricsEvent]) -> [String: [[Float]]] {
        var scalars: [String: [[Float]]] = [:]
        for event in events {
            switch event {
            case .trainStep(let s):
                let values = [("train/loss", s.totalLoss), ("train/lr", s.learningRate), ("train/img_s", Float(s.imagesPerSecond)),
                              ("train/epoch", Float(s.epochProgress))] + s.losses.map { ("train/loss/\($0.name)", $0.value) }
                for (tag, v) in values { scalars[tag, default: []].append([Float(s.step), v]) }
            case .evaluation(let e):
                scalars["val/loss", default: []].append([Float(e.step), e.loss])
                for (k, v) in e.topK { scalars["val/top\(k)", default: []].append([Float(e.step), v]) }
            default: break
            }
        }
        return scalars
    }

    @Test func eventAccumulatorReadsEveryScalarWeWrite() throws {
        let run = SampleRun(totalSteps: 120, heads: ["main", "aux1"])
        try withTemporaryDirectory { dir in
            let sink = TensorBoardSink(runDirectory: dir)
            try sink.record(run.start)
            for event in run.events() { try sink.record(event) }
            try sink.close()
            let read = try accumulate(dir), want = expected(run.events())
            #expect(read.keys.sorted() == want.keys.sorted())
            for (tag, values) in want { #expect(read[tag] == values, "\(tag)") }
            #expect(read["train/loss"]?.count == 120)
            #expect(read["val/top1"]?.count == 120 / 25)
        }
    }

    /// A run resumed after step 60 of an earlier run that got to 90, writing a new file (as
    /// when the earlier file was written by another machine into a shared run directory):
    /// the restart marker makes TensorBoard show each step once, with the resumed run's values.
    @Test func aResumedRunShowsEachStepOnce() throws {
        let run = SampleRun(totalSteps: 120)
        try withTemporaryDirectory { dir in
            let first = TensorBoardSink(runDirectory: dir, hostname: "a", clock: { 1_700_000_000 })
            try first.record(run.start)
            for event in run.events(to: 90) { try first.record(event) }
            try first.close()

            // The resumed run writes different losses for steps 61...
            func shifted(_ event: MetricsEvent) -> MetricsEvent {
                guard case .trainStep(var s) = event else { return event }
                s.totalLoss += 1
                s.losses = s.losses.map { .init(name: $0.name, value: $0.value + 1) }
                return .trainStep(s)
            }
            // Move the old file aside under an older name, so the resume starts a new file.
            let old = try #require(try eventFiles(dir).first)
            try FileManager.default.moveItem(atPath: "\(dir)/\(old)", toPath: "\(dir)/events.out.tfevents.1600000000.a")
            try FileManager.default.createDirectory(atPath: "\(dir)/other", withIntermediateDirectories: false)
            let second = TensorBoardSink(runDirectory: "\(dir)/other", hostname: "b", clock: { 1_700_000_100 })
            try second.record(run.resumed(after: 60))
            let resumedEvents = run.events(from: 61).map(shifted)
            for event in resumedEvents { try second.record(event) }
            try second.close()
            let secondFile = try #require(try eventFiles("\(dir)/other").first)
            try FileManager.default.moveItem(atPath: "\(dir)/other/\(secondFile)", toPath: "\(dir)/\(secondFile)")
            try FileManager.default.removeItem(atPath: "\(dir)/other")

            let read = try accumulate(dir), want = expected(run.events(to: 60) + resumedEvents)
            #expect(read.keys.sorted() == want.keys.sorted())
            for (tag, values) in want { #expect(read[tag] == values, "\(tag)") }
        }
    }
}
