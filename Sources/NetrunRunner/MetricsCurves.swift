import Foundation
import NetrunFormats
import Synchronization

/// The run directory's curves.svg: loss (training, and validation once there is one),
/// validation accuracy (top-1, top-5) and the learning rate against the step, in three
/// panels over one step axis. The file is replaced whole (written to a temporary name, then
/// renamed) at each evaluation and at the end of the run, so a browser or viewer never
/// reads half of it.
///
/// On a resume the curves up to the resume step are read back from `metricsLog` (the run's
/// metrics.jsonl), so the picture covers the whole run. Long series are thinned to at most
/// `maxPointsPerSeries` points by averaging runs of neighbouring points.
public final class MetricsCurvesSink: MetricsSink {
    public static let fileName = "curves.svg"

    public let path: String
    public let metricsLog: String?
    private let maxPointsPerSeries: Int
    private let state = Mutex(CurvesData())

    public init(path: String, metricsLog: String? = nil, maxPointsPerSeries: Int = 600) {
        self.path = path
        self.metricsLog = metricsLog
        self.maxPointsPerSeries = max(2, maxPointsPerSeries)
    }

    /// `<runDirectory>/curves.svg`, restoring a resumed run's history from its metrics.jsonl.
    public convenience init(runDirectory: String) {
        self.init(path: "\(runDirectory)/\(Self.fileName)",
                  metricsLog: "\(runDirectory)/\(MetricsJSONLSink.fileName)")
    }

    public func record(_ event: MetricsEvent) throws {
        let svg: String? = try state.withLock { (data: inout CurvesData) throws(MetricsError) -> String? in
            switch event {
            case .runStart(let start):
                data = CurvesData()
                data.title = start.configName
                data.totalSteps = start.totalSteps
                if let resumed = start.resumedFromStep, let log = metricsLog, FileManager.default.fileExists(atPath: log) {
                    let past: [MetricsEvent]
                    do { past = try MetricsLog.read(path: log) } catch let error as MetricsError { throw error } catch {
                        throw MetricsError(path: log, message: "\(error)")
                    }
                    for event in past where event.step <= resumed { data.add(event) }
                }
                return nil
            case .trainStep:
                data.add(event)
                return nil
            case .evaluation:
                data.add(event)
                data.dirty = false
                return CurvesChart.svg(data, maxPoints: maxPointsPerSeries)
            case .runEnd:
                data.dirty = false
                return CurvesChart.svg(data, maxPoints: maxPointsPerSeries)
            }
        }
        if let svg { try write(svg) }
    }

    /// Draws the curves once more if steps came after the last drawing.
    public func close() throws {
        let svg: String? = state.withLock { data in
            guard data.dirty else { return nil }
            data.dirty = false
            return CurvesChart.svg(data, maxPoints: maxPointsPerSeries)
        }
        if let svg { try write(svg) }
    }

    private func write(_ svg: String) throws {
        do { try AtomicFile.write(Array(svg.utf8), to: path) } catch let error as FileError {
            throw MetricsError(path: path, message: error.message)
        }
    }
}

/// The series the chart draws.
struct CurvesData: Sendable {
    var title = ""
    var totalSteps = 0
    var trainLoss: [ChartPoint] = []
    var learningRate: [ChartPoint] = []
    var valLoss: [ChartPoint] = []
    /// Validation top-k accuracy, by k.
    var valTopK: [Int: [ChartPoint]] = [:]
    var lastEpoch = 0
    /// Steps were added since the last drawing.
    var dirty = false

    mutating func add(_ event: MetricsEvent) {
        switch event {
        case .trainStep(let s):
            trainLoss.append(ChartPoint(Double(s.step), Double(s.totalLoss)))
            learningRate.append(ChartPoint(Double(s.step), Double(s.learningRate)))
            lastEpoch = s.epoch
            dirty = true
        case .evaluation(let e):
            valLoss.append(ChartPoint(Double(e.step), Double(e.loss)))
            for (k, v) in e.topK { valTopK[k, default: []].append(ChartPoint(Double(e.step), Double(v))) }
            lastEpoch = max(lastEpoch, e.epoch)
            dirty = true
        case .runStart, .runEnd:
            break
        }
    }

    var lastStep: Double {
        ([trainLoss.last?.x, valLoss.last?.x].compactMap { $0 }).max() ?? 0
    }
}

/// A point of a series: the step and the value.
typealias ChartPoint = SVGLineChart.Point

/// The data as an `SVGLineChart`: three panels (loss, validation accuracy, learning rate)
/// over the steps, long series thinned to `maxPoints`.
enum CurvesChart {
    static let layout = SVGLineChart.Layout(width: 760, panelHeight: 190, left: 70, right: 20, top: 48, gap: 40, bottom: 44)

    static func chart(_ data: CurvesData, maxPoints: Int) -> SVGLineChart {
        typealias Series = SVGLineChart.Series
        let topK = data.valTopK.keys.sorted()
        let accuracyColors = ["#2ca02c", "#9467bd", "#8c564b", "#e377c2"]
        let panels = [
            SVGLineChart.Panel(title: "loss", series: [
                Series(name: "train", color: "#1f77b4", points: thin(data.trainLoss, to: maxPoints)),
                Series(name: "val", color: "#d62728", points: data.valLoss, markers: true),
            ], empty: "no training steps yet"),
            SVGLineChart.Panel(title: "validation accuracy", series: topK.enumerated().map { i, k in
                Series(name: "top-\(k)", color: accuracyColors[i % accuracyColors.count],
                       points: data.valTopK[k] ?? [], markers: true)
            }, axis: .init(percent: true), empty: "no evaluation yet"),
            SVGLineChart.Panel(title: "learning rate", series: [
                Series(name: "lr", color: "#ff7f0e", points: thin(data.learningRate, to: maxPoints, averaging: false), stepped: true),
            ], axis: .init(allowLog: true), empty: "no training steps yet"),
        ]
        var status = "step \(Int(data.lastStep))"
        if data.totalSteps > 0 { status += " of \(data.totalSteps)" }
        if data.lastEpoch > 0 { status += ", epoch \(data.lastEpoch)" }
        return SVGLineChart(layout: layout, title: data.title.isEmpty ? "training curves" : data.title, status: status,
                            panels: panels, xMax: data.lastStep, xLabel: "step")
    }

    static func svg(_ data: CurvesData, maxPoints: Int) -> String { chart(data, maxPoints: maxPoints).svg() }

    /// The y axis a panel of these values gets.
    static func yAxis(_ values: [Double], percent: Bool, allowLog: Bool) -> SVGLineChart.YAxis {
        .fitted(values, .init(percent: percent, allowLog: allowLog))
    }

    /// Replaces runs of neighbouring points by their average (step and value) so that at most
    /// `limit` remain, or without `averaging` by the run's last point (a learning rate's
    /// steps stay sharp); the last point is always the last point.
    static func thin(_ points: [ChartPoint], to limit: Int, averaging: Bool = true) -> [ChartPoint] {
        guard points.count > limit, limit >= 2 else { return points }
        var out: [ChartPoint] = []
        out.reserveCapacity(limit)
        let buckets = limit - 1
        for b in 0 ..< buckets {
            let range = (b * (points.count - 1) / buckets) ..< ((b + 1) * (points.count - 1) / buckets)
            guard !range.isEmpty else { continue }
            let finite = points[range].filter { $0.y.isFinite }
            guard let lastFinite = finite.last else { continue }
            guard averaging else {
                out.append(lastFinite)
                continue
            }
            out.append(ChartPoint(finite.map(\.x).reduce(0, +) / Double(finite.count),
                                  finite.map(\.y).reduce(0, +) / Double(finite.count)))
        }
        if let last = points.last { out.append(last) }
        return out
    }
}
