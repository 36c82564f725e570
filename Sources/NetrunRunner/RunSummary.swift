import NetrunFormats

/// What a run's metrics.jsonl says about it, for `netrun compare` and a sweep's results:
/// how far it got, its validation top-1 (last and best) and loss, and its training speed.
///
/// Every field is nil when the run has no metrics.jsonl (not started, or not a run netrun
/// wrote), and each one is nil while the file has no line it is read from. Values are the
/// numbers as written in the file (`0.9108`, not float32's 0.910799980...).
public struct RunSummary: Sendable, Equatable {
    /// The last step logged (training or evaluation).
    public var steps: Int?
    /// The last epoch logged (1-based; a run stopped mid-epoch counts that epoch).
    public var epochs: Int?
    /// `val_top1` of the last evaluation.
    public var finalTop1: Double?
    /// The highest `val_top1` of any evaluation, and the step of its first evaluation.
    public var bestTop1: Double?
    public var bestStep: Int?
    /// `val_loss` of the last evaluation.
    public var finalLoss: Double?
    /// The median `img_s` of the training lines: training images per second, steady state.
    public var imagesPerSecond: Double?
    /// How many evaluations the file holds (0 when it has none yet).
    public var evaluations: Int?

    /// The summary of no metrics at all: every field nil.
    public init() {}

    /// The summary of a metrics.jsonl's events, in file order.
    public init(events: [MetricsEvent]) {
        evaluations = 0
        var speeds: [Double] = []
        for event in events {
            steps = max(steps ?? event.step, event.step)
            switch event {
            case .trainStep(let s):
                epochs = max(epochs ?? s.epoch, s.epoch)
                let speed = Self.decimal(Float(s.imagesPerSecond))
                if speed.isFinite { speeds.append(speed) }
            case .evaluation(let e):
                epochs = max(epochs ?? e.epoch, e.epoch)
                evaluations = (evaluations ?? 0) + 1
                finalLoss = Self.decimal(e.loss)
                finalTop1 = e.topK[1].map(Self.decimal)
                if let top1 = finalTop1, top1.isFinite, top1 > (bestTop1 ?? -.infinity) {
                    bestTop1 = top1
                    bestStep = e.step
                }
            case .runStart, .runEnd:
                break
            }
        }
        imagesPerSecond = Self.median(speeds)
    }

    /// The summary of the run directory's metrics.jsonl; an empty summary when it has none.
    /// A file that cannot be read, or a complete line that is not a metrics record, is a
    /// `FileError` naming it; a partial last line (a run still writing) is left out.
    public static func read(runDirectory: String) throws(FileError) -> RunSummary {
        guard let events = try MetricsLog.events(runDirectory: runDirectory) else { return RunSummary() }
        return RunSummary(events: events)
    }

    /// The float as the decimal it was written as (the shortest that reads back as it).
    static func decimal(_ value: Float) -> Double { Double(value.description) ?? Double(value) }

    /// The middle value (the mean of the two middle ones for an even count); nil for none.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted(), mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

extension MetricsLog {
    /// The events of `<runDirectory>/metrics.jsonl`, in file order, without a partial last
    /// line; nil when there is no such file. A file that cannot be read is a `FileError`
    /// (.io, .notARegularFile), a line that is not a metrics record one whose path names
    /// the line, `runs/a/metrics.jsonl:7` (.format).
    public static func events(runDirectory: String) throws(FileError) -> [MetricsEvent]? {
        let path = "\(runDirectory)/\(MetricsJSONLSink.fileName)"
        guard let bytes = try readFileIfPresent(path) else { return nil }
        do { return try read(bytes: bytes, path: path) } catch {
            throw FileError(path: error.line.map { "\(path):\($0)" } ?? path, kind: .format, message: error.message)
        }
    }
}
