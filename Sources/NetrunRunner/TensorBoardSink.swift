import Foundation
import SwiftProtobuf
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// TensorBoard event files in the run directory, for `tensorboard --logdir runs/`.
///
/// A fresh run creates `events.out.tfevents.<unix time, 10 digits>.<hostname>` and writes
/// the `file_version: "brain.Event:2"` event first. Each training step becomes one Event with
/// scalars `train/loss`, `train/loss/<head>`, `train/lr`, `train/img_s` and `train/epoch`
/// (epochs completed, fractional); each evaluation one with `val/loss` and `val/top<k>`
/// (fractions). Records are TFRecord-framed (see `TFRecord`), encoded with swift-protobuf
/// from Generated/tensorboard_event.proto, and each goes out in one write(2), so TensorBoard
/// sees it at once.
///
/// A resume from step S reopens the directory's latest event file (in name order, the
/// order TensorBoard reads them in), drops a partial last record and every record from the
/// first one with a step after S, and appends. Every run start also writes a
/// `SessionLog.START` event at the first step it will write (S + 1, or 0 for a fresh run):
/// TensorBoard then discards older events at or after that step, even those in files from
/// an earlier run in the same directory.
public final class TensorBoardSink: MetricsSink {
    public static let fileVersion = "brain.Event:2"
    public static let fileNamePrefix = "events.out.tfevents."

    public let runDirectory: String
    private let hostname: String
    private let clock: @Sendable () -> Double
    private let log = Mutex<AppendLog?>(nil)

    /// `clock` gives the wall time in seconds since the Unix epoch (for the file name and
    /// each event's wall_time).
    public init(runDirectory: String, hostname: String = TensorBoardSink.currentHostname(),
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.runDirectory = runDirectory
        self.hostname = hostname
        self.clock = clock
    }

    /// The event file being written, once the run has started.
    public var path: String? { log.withLock { $0?.path } }

    public func record(_ event: MetricsEvent) throws {
        try log.withLock { (log: inout AppendLog?) throws(MetricsError) in
            switch event {
            case .runStart(let start):
                try log?.close()
                log = nil
                let opened = try open(resumingAfter: start.resumedFromStep)
                log = opened
                var restart = Tensorboard_Event()
                restart.wallTime = clock()
                restart.step = Int64(start.resumedFromStep.map { $0 + 1 } ?? 0)
                restart.sessionLog.status = .start
                try append(restart, to: opened)
            case .trainStep(let s):
                var values = [("train/loss", s.totalLoss)]
                values += s.losses.map { ("train/loss/\($0.name)", $0.value) }
                values += [("train/lr", s.learningRate), ("train/img_s", Float(s.imagesPerSecond)),
                           ("train/epoch", Float(s.epochProgress))]
                try append(scalars: values, step: s.step, to: log)
            case .evaluation(let e):
                var values = [("val/loss", e.loss)]
                values += e.topK.keys.sorted().map { ("val/top\($0)", e.topK[$0] ?? .nan) }
                try append(scalars: values, step: e.step, to: log)
            case .runEnd:
                break
            }
        }
    }

    public func close() throws { try log.closeLog() }

    private func append(scalars: [(String, Float)], step: Int, to log: AppendLog?) throws(MetricsError) {
        guard let log else {
            throw MetricsError(path: runDirectory, message: "a metric was recorded before the run started or after close()")
        }
        var event = Tensorboard_Event()
        event.wallTime = clock()
        event.step = Int64(step)
        event.summary.value = scalars.map { tag, value in
            var v = Tensorboard_Summary.Value()
            v.tag = tag
            v.simpleValue = value
            return v
        }
        try append(event, to: log)
    }

    private func append(_ event: Tensorboard_Event, to log: AppendLog) throws(MetricsError) {
        let data: [UInt8]
        do { data = try event.serializedBytes() } catch {
            throw MetricsError(path: log.path, message: "cannot encode an event: \(error)")
        }
        try log.append(TFRecord.frame(data))
    }

    /// The file to append to: the latest existing one cut back to step `resumed` when
    /// resuming, otherwise a new one starting with the file-version event.
    private func open(resumingAfter resumed: Int?) throws(MetricsError) -> AppendLog {
        if let resumed, let latest = try Self.latestEventFile(in: runDirectory),
           let bytes = try readExistingFile(latest) {
            let keep = try Self.resumeLength(of: bytes, resumingAfter: resumed, path: latest)
            let log = try AppendLog(path: latest, keepingBytes: keep)
            if keep == 0 { try append(Self.versionEvent(clock()), to: log) }
            return log
        }
        // A fresh run starts the metrics over, as metrics.jsonl does: event files of an
        // earlier run here (one killed before its first checkpoint: the CLI starts a fresh
        // run only where no run was saved) would show its steps beside this run's.
        if resumed == nil { try Self.removeEventFiles(in: runDirectory) }
        let now = clock()
        let seconds = now.isFinite ? max(0, min(Int(now.rounded(.down)), 9_999_999_999)) : 0
        let digits = String(seconds)
        let name = Self.fileNamePrefix + String(repeating: "0", count: max(0, 10 - digits.count)) + digits + "." + hostname
        let log = try AppendLog(path: "\(runDirectory)/\(name)", keepingBytes: 0)
        try append(Self.versionEvent(now), to: log)
        return log
    }

    static func versionEvent(_ wallTime: Double) -> Tensorboard_Event {
        var event = Tensorboard_Event()
        event.wallTime = wallTime
        event.fileVersion = fileVersion
        return event
    }

    /// The bytes of whole records to keep when resuming after `step`: those before the first
    /// event (after the file-version one) with a later step. A damaged file is an error.
    public static func resumeLength(of bytes: [UInt8], resumingAfter step: Int, path: String) throws(MetricsError) -> Int {
        let scan = TFRecord.scan(bytes)
        if case .corrupt(let offset, let reason) = scan.stop {
            throw MetricsError(path: path, message: "the event file is damaged at byte \(offset) (\(reason)); move it away to resume")
        }
        for (index, record) in scan.records.enumerated() {
            let event: Tensorboard_Event
            do { event = try Tensorboard_Event(serializedBytes: Array(bytes[record.data])) } catch {
                throw MetricsError(path: path, message: "record \(index + 1) at byte \(record.offset) is not a TensorBoard event; move the file away to resume")
            }
            if index > 0, event.step > Int64(step) { return record.offset }
        }
        return scan.validLength
    }

    /// Removes the event files (regular files named `events.out.tfevents.*`) in `directory`.
    static func removeEventFiles(in directory: String) throws(MetricsError) {
        // A directory that is missing holds nothing to remove (creating the new file then says what is wrong).
        guard FileManager.default.fileExists(atPath: directory) else { return }
        for name in try eventFileNames(in: directory) {
            let path = "\(directory)/\(name)"
            var status = stat()
            guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
            guard unlink(path) == 0 || errno == ENOENT else {
                throw MetricsError(path: path, message: "cannot remove the event file of an earlier run here: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// The names of the event files in `directory`, sorted (by creation time, as TensorBoard reads them).
    static func eventFileNames(in directory: String) throws(MetricsError) -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw MetricsError(path: directory, message: "cannot list the run directory")
        }
        return names.filter { $0.hasPrefix(fileNamePrefix) }.sorted()
    }

    /// The event file TensorBoard reads last in `directory` (names sort by creation time).
    static func latestEventFile(in directory: String) throws(MetricsError) -> String? {
        try eventFileNames(in: directory).last.map { "\(directory)/\($0)" }
    }

    /// This machine's host name, with anything but letters, digits, `.`, `-` and `_`
    /// replaced by `_` (it becomes part of a file name); `localhost` if there is none.
    public static func currentHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let safe = String(name.unicodeScalars.map { s -> Character in
            s.properties.isASCIIHexDigit || ("a" ... "z").contains(s) || ("A" ... "Z").contains(s)
                || ("0" ... "9").contains(s) || s == "." || s == "-" || s == "_" ? Character(s) : "_"
        })
        return safe.isEmpty ? "localhost" : safe
    }
}
