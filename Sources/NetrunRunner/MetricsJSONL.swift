import Foundation
import NetrunConfig
import NetrunFormats
import Synchronization

/// The run directory's metrics.jsonl: one JSON object per line, appended as the run goes.
///
///     {"step":500,"epoch":2,"epoch_progress":1.28,"examples":64000,"loss":2.0315,"loss/main":2.0315,"lr":0.01,"img_s":412.7}
///     {"step":500,"epoch":2,"val_loss":1.9873,"val_top1":0.3125,"val_top5":0.6406,"val_examples":10000}
///
/// A training line has `loss` (the weighted total the optimizer minimizes) and `loss/<head>`
/// for every head; an evaluation line has `val_loss` and `val_top<k>` for every k evaluated
/// (fractions in [0, 1]). Floats are written with the fewest digits that read back as the
/// same float32; a NaN or infinite value is written as `null` (JSON has no NaN). Key order
/// is fixed, so the file diffs well.
///
/// On `.runStart` of a fresh run the file is started over. On a resume from step S it is
/// reopened for appending: a partial last line (a crash mid-write) and every line from the
/// first one with a step after S are dropped, since the resumed run writes them again.
public final class MetricsJSONLSink: MetricsSink {
    public static let fileName = "metrics.jsonl"

    public let path: String
    private let log = Mutex<AppendLog?>(nil)

    public init(path: String) { self.path = path }

    /// `<runDirectory>/metrics.jsonl`.
    public convenience init(runDirectory: String) {
        self.init(path: "\(runDirectory)/\(Self.fileName)")
    }

    public func record(_ event: MetricsEvent) throws {
        try log.withLock { (log: inout AppendLog?) throws(MetricsError) in
            switch event {
            case .runStart(let start):
                try log?.close()
                log = nil
                var keep = 0
                if let step = start.resumedFromStep, let bytes = try readExistingFile(path) {
                    keep = try MetricsLog.resumeLength(of: bytes, resumingAfter: step, path: path)
                }
                log = try AppendLog(path: path, keepingBytes: keep)
            case .trainStep, .evaluation:
                guard let open = log else {
                    throw MetricsError(path: path, message: "a metric was recorded before the run started or after close()")
                }
                if let line = MetricsLog.line(for: event) { try open.append(Array(line.utf8)) }
            case .runEnd:
                break
            }
        }
    }

    public func close() throws { try log.closeLog() }
}

/// Writing and reading metrics.jsonl lines.
public enum MetricsLog {
    /// The line (with its newline) for a training step or an evaluation; nil for other events.
    public static func line(for event: MetricsEvent) -> String? {
        var fields: [(String, JSONValue)] = []
        switch event {
        case .trainStep(let s):
            fields = [("step", .int(s.step)), ("epoch", .int(s.epoch)),
                      ("epoch_progress", .double(s.epochProgress)), ("examples", .int(s.examplesSeen)),
                      ("loss", .float(s.totalLoss))]
            fields += s.losses.map { ("loss/\($0.name)", .float($0.value)) }
            fields += [("lr", .float(s.learningRate)), ("img_s", .float(Float(s.imagesPerSecond)))]
        case .evaluation(let e):
            fields = [("step", .int(e.step)), ("epoch", .int(e.epoch)), ("val_loss", .float(e.loss))]
            fields += e.topK.keys.sorted().map { ("val_top\($0)", .float(e.topK[$0] ?? .nan)) }
            fields += [("val_examples", .int(e.examples))]
        case .runStart, .runEnd:
            return nil
        }
        return JSONValue.object(fields).text(compact: true) + "\n"
    }

    /// The events of a metrics.jsonl file, in file order (a partial last line is ignored).
    public static func read(path: String) throws -> [MetricsEvent] {
        guard let bytes = try readExistingFile(path) else {
            throw MetricsError(path: path, message: "no such file")
        }
        return try read(bytes: bytes, path: path)
    }

    /// The events of the metrics.jsonl contents `bytes`, read from `path`.
    public static func read(bytes: [UInt8], path: String) throws(MetricsError) -> [MetricsEvent] {
        try lines(of: bytes, path: path).map(\.event)
    }

    /// How many leading bytes to keep when resuming after `step`: the whole lines before the
    /// first line with a later step, without a partial last line.
    public static func resumeLength(of bytes: [UInt8], resumingAfter step: Int, path: String) throws(MetricsError) -> Int {
        for line in try lines(of: bytes, path: path) where line.event.step > step {
            return line.start
        }
        return bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
    }

    struct Line {
        var start: Int
        var event: MetricsEvent
    }

    /// Every complete, non-blank line as an event; a line that is not a metrics record is an
    /// error naming the file and the line.
    static func lines(of bytes: [UInt8], path: String) throws(MetricsError) -> [Line] {
        var result: [Line] = []
        var start = 0, number = 1
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            let text = bytes[start ..< newline]
            if text.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\r") }) {
                guard let event = event(fromLine: text) else {
                    throw MetricsError(path: path, line: number, message: "not a metrics record (a JSON object with \"step\", \"epoch\" and \"loss\" or \"val_loss\"); move the file away to start it over")
                }
                result.append(Line(start: start, event: event))
            }
            start = newline + 1
            number += 1
        }
        return result
    }

    private static func event(fromLine bytes: ArraySlice<UInt8>) -> MetricsEvent? {
        guard let object = FlatJSONObject(bytes),
              let step = object.integer("step"), let epoch = object.integer("epoch") else { return nil }
        if object.has("val_loss") {
            guard let loss = object.float("val_loss") else { return nil }
            var topK: [Int: Float] = [:]
            for key in object.keys where key.hasPrefix("val_top") {
                guard let k = Int(key.dropFirst("val_top".count)), let v = object.float(key) else { return nil }
                topK[k] = v
            }
            return .evaluation(.init(step: step, epoch: epoch, loss: loss, topK: topK,
                                     examples: object.integer("val_examples") ?? 0))
        }
        guard let loss = object.float("loss") else { return nil }
        let heads = object.keys.filter { $0.hasPrefix("loss/") }.map {
            MetricsEvent.HeadLoss(name: String($0.dropFirst("loss/".count)), value: object.float($0) ?? .nan)
        }
        return .trainStep(.init(
            step: step, epoch: epoch, epochProgress: object.double("epoch_progress") ?? Double(epoch - 1),
            losses: heads, totalLoss: loss, learningRate: object.float("lr") ?? .nan,
            imagesPerSecond: object.double("img_s").map { Double(Float($0)) } ?? .nan,
            examplesSeen: object.integer("examples") ?? 0))
    }
}

/// A JSON object whose values are numbers or null, as metrics.jsonl lines are, with its keys
/// in file order and its numbers kept as text: Swift's `Float(_:)` and `Double(_:)` then
/// read them correctly rounded (Foundation's JSONSerialization on Linux does not always).
/// Read with NetrunFormats' `JSON`, the project's one JSON parser; nil for anything else
/// (another type of value, a key given twice, text that is not one JSON object).
struct FlatJSONObject {
    private(set) var keys: [String] = []
    private var values: [String: String?] = [:]

    init?(_ bytes: ArraySlice<UInt8>) {
        guard case .object(let members)? = try? bytes.withUnsafeBytes({ (raw) throws(JSON.SyntaxError) in try JSON.parse(raw) })
        else { return nil }
        for member in members {
            guard values[member.key] == nil else { return nil }   // a duplicate key
            switch member.value {
            case .number(let text): values[member.key] = .some(text)
            case .null: values[member.key] = .some(nil)
            default: return nil
            }
            keys.append(member.key)
        }
    }

    func has(_ key: String) -> Bool { values[key] != nil }

    func double(_ key: String) -> Double? {
        guard let entry = values[key] else { return nil }
        guard let text = entry else { return .nan }
        return Double(text)
    }

    func float(_ key: String) -> Float? {
        guard let entry = values[key] else { return nil }
        guard let text = entry else { return .nan }
        return Float(text)
    }

    func integer(_ key: String) -> Int? {
        guard let entry = values[key], let text = entry else { return nil }
        return Int(text)
    }
}
