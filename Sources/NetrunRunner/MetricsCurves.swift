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
        do { try AtomicFile.write(Array(svg.utf8), to: path) } catch let error as FormatError {
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

struct ChartPoint: Sendable, Equatable {
    var x: Double
    var y: Double
    init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// The SVG drawing: pure functions of the data, so tests can read the result.
enum CurvesChart {
    static let width = 760.0
    static let panelHeight = 190.0
    static let left = 70.0, right = 20.0, top = 48.0, gap = 40.0, bottom = 44.0

    struct Series {
        var name: String
        var color: String
        var points: [ChartPoint]
        /// Markers on each point (the few evaluation points).
        var markers = false
        /// Drawn as steps (each value holds until the next), for the learning rate.
        var stepped = false
    }

    enum Scale { case linear, log }

    struct Panel {
        var title: String
        var series: [Series]
        var percent = false
        var allowLog = false
        var empty: String
    }

    static func svg(_ data: CurvesData, maxPoints: Int) -> String {
        let topK = data.valTopK.keys.sorted()
        let accuracyColors = ["#2ca02c", "#9467bd", "#8c564b", "#e377c2"]
        let panels = [
            Panel(title: "loss", series: [
                Series(name: "train", color: "#1f77b4", points: thin(data.trainLoss, to: maxPoints)),
                Series(name: "val", color: "#d62728", points: data.valLoss, markers: true),
            ], empty: "no training steps yet"),
            Panel(title: "validation accuracy", series: topK.enumerated().map { i, k in
                Series(name: "top-\(k)", color: accuracyColors[i % accuracyColors.count],
                       points: data.valTopK[k] ?? [], markers: true)
            }, percent: true, empty: "no evaluation yet"),
            Panel(title: "learning rate", series: [
                Series(name: "lr", color: "#ff7f0e", points: thin(data.learningRate, to: maxPoints, averaging: false), stepped: true),
            ], allowLog: true, empty: "no training steps yet"),
        ]
        let height = top + Double(panels.count) * panelHeight + Double(panels.count - 1) * gap + bottom
        let plotWidth = width - left - right
        let xMax = max(data.lastStep, 1)
        let xTicks = linearTicks(0, xMax, count: 8).filter { $0 <= xMax + 1e-9 }
        let thousands = xMax >= 10_000
        func sx(_ x: Double) -> Double { left + x / xMax * plotWidth }

        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(fmt(width))" height="\(fmt(height))" \
        viewBox="0 0 \(fmt(width)) \(fmt(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">

        """
        let heading = data.title.isEmpty ? "training curves" : data.title
        var status = "step \(Int(data.lastStep))"
        if data.totalSteps > 0 { status += " of \(data.totalSteps)" }
        if data.lastEpoch > 0 { status += ", epoch \(data.lastEpoch)" }
        out += "<title>\(SVGText.escaped(heading)): \(SVGText.escaped(status))</title>\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(fmt(left))\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(SVGText.escaped(heading))</text>\n"
        out += "<text x=\"\(fmt(width - right))\" y=\"22\" text-anchor=\"end\" fill=\"#555\">\(SVGText.escaped(status))</text>\n"

        for (index, panel) in panels.enumerated() {
            let y0 = top + Double(index) * (panelHeight + gap)
            let y1 = y0 + panelHeight
            out += "<g class=\"panel\" data-panel=\"\(SVGText.escaped(panel.title))\">\n"
            out += "<text x=\"\(fmt(left))\" y=\"\(fmt(y0 - 8))\" font-weight=\"bold\">\(SVGText.escaped(panel.title))</text>\n"
            let values = panel.series.flatMap(\.points).map(\.y).filter(\.isFinite)
            // The x grid and ticks.
            for t in xTicks {
                out += "<line x1=\"\(fmt(sx(t)))\" y1=\"\(fmt(y0))\" x2=\"\(fmt(sx(t)))\" y2=\"\(fmt(y1))\" stroke=\"#e6e6e6\"/>\n"
                if index == panels.count - 1 {
                    out += "<text x=\"\(fmt(sx(t)))\" y=\"\(fmt(y1 + 16))\" text-anchor=\"middle\">\(stepLabel(t, thousands: thousands))</text>\n"
                }
            }
            if values.isEmpty {
                out += "<rect x=\"\(fmt(left))\" y=\"\(fmt(y0))\" width=\"\(fmt(plotWidth))\" height=\"\(fmt(panelHeight))\" fill=\"none\" stroke=\"#333\"/>\n"
                out += "<text x=\"\(fmt(left + plotWidth / 2))\" y=\"\(fmt(y0 + panelHeight / 2))\" text-anchor=\"middle\" fill=\"#888\">\(SVGText.escaped(panel.empty))</text>\n"
                out += "</g>\n"
                continue
            }
            let axis = yAxis(values, percent: panel.percent, allowLog: panel.allowLog)
            func sy(_ v: Double) -> Double {
                let f: Double
                switch axis.scale {
                case .linear: f = (v - axis.lo) / (axis.hi - axis.lo)
                case .log: f = (log10(v) - log10(axis.lo)) / (log10(axis.hi) - log10(axis.lo))
                }
                return y1 - f * panelHeight
            }
            for t in axis.ticks {
                out += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(sy(t)))\" x2=\"\(fmt(left + plotWidth))\" y2=\"\(fmt(sy(t)))\" stroke=\"#e6e6e6\"/>\n"
                out += "<line x1=\"\(fmt(left - 4))\" y1=\"\(fmt(sy(t)))\" x2=\"\(fmt(left))\" y2=\"\(fmt(sy(t)))\" stroke=\"#333\"/>\n"
                out += "<text x=\"\(fmt(left - 7))\" y=\"\(fmt(sy(t) + 4))\" text-anchor=\"end\">\(axis.label(t))</text>\n"
            }
            if axis.scale == .log {
                out += "<text x=\"\(fmt(left + 110))\" y=\"\(fmt(y0 - 8))\" fill=\"#777\">(log scale)</text>\n"
            }
            out += "<rect x=\"\(fmt(left))\" y=\"\(fmt(y0))\" width=\"\(fmt(plotWidth))\" height=\"\(fmt(panelHeight))\" fill=\"none\" stroke=\"#333\"/>\n"

            // The curves, clipped to the plot (a value outside a log axis cannot be drawn).
            out += "<clipPath id=\"clip\(index)\"><rect x=\"\(fmt(left))\" y=\"\(fmt(y0 - 4))\" width=\"\(fmt(plotWidth + 4))\" height=\"\(fmt(panelHeight + 8))\"/></clipPath>\n"
            for series in panel.series where !series.points.isEmpty {
                let drawable = series.points.filter { $0.y.isFinite && (axis.scale == .linear || $0.y > 0) }
                var coordinates: [String] = []
                for (i, p) in drawable.enumerated() {
                    if series.stepped, i > 0 { coordinates.append("\(fmt(sx(p.x))),\(fmt(sy(drawable[i - 1].y)))") }
                    coordinates.append("\(fmt(sx(p.x))),\(fmt(sy(p.y)))")
                }
                out += "<polyline class=\"series\" data-series=\"\(SVGText.escaped(panel.title))/\(SVGText.escaped(series.name))\" data-count=\"\(drawable.count)\" clip-path=\"url(#clip\(index))\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"1.6\" stroke-linejoin=\"round\" points=\"\(coordinates.joined(separator: " "))\"/>\n"
                if series.markers {
                    for p in drawable {
                        out += "<circle cx=\"\(fmt(sx(p.x)))\" cy=\"\(fmt(sy(p.y)))\" r=\"2.8\" fill=\"\(series.color)\"/>\n"
                    }
                }
            }
            // The legend, above the plot at the right (clear of the curves), for the series
            // that have points; about 7 px per character at this font size.
            var lx = left + plotWidth
            for series in panel.series.filter({ !$0.points.isEmpty }).reversed() {
                lx -= 22 + 7 * Double(series.name.count)
                let ly = y0 - 8
                out += "<line x1=\"\(fmt(lx))\" y1=\"\(fmt(ly - 4))\" x2=\"\(fmt(lx + 16))\" y2=\"\(fmt(ly - 4))\" stroke=\"\(series.color)\" stroke-width=\"2.5\"/>\n"
                out += "<text x=\"\(fmt(lx + 20))\" y=\"\(fmt(ly))\" fill=\"#333\">\(SVGText.escaped(series.name))</text>\n"
                lx -= 14
            }
            out += "</g>\n"
        }
        let lastPanelBottom = top + Double(panels.count) * panelHeight + Double(panels.count - 1) * gap
        out += "<text x=\"\(fmt(left + plotWidth / 2))\" y=\"\(fmt(lastPanelBottom + 34))\" text-anchor=\"middle\">step</text>\n"
        out += "</svg>\n"
        return out
    }

    struct YAxis {
        var scale: Scale
        var lo: Double
        var hi: Double
        var ticks: [Double]
        var label: (Double) -> String
    }

    /// A linear axis on tick boundaries around the values, or a log axis over whole decades
    /// when they are positive, allowed, and span more than a factor of 20 (a step schedule's
    /// learning rate).
    static func yAxis(_ values: [Double], percent: Bool, allowLog: Bool) -> YAxis {
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if allowLog, lo > 0, hi / lo > 20 {
            // (A float32 0.0001 is 9.99999974e-05: a hair below the decade, not a decade lower.)
            let a = floor(log10(lo) + 1e-6), b = ceil(log10(hi) - 1e-6)
            let decades = stride(from: a, through: b, by: 1).map { pow(10, $0) }
            var ticks = decades
            if b - a <= 2 { ticks = decades.flatMap { [$0, 2 * $0, 5 * $0] }.filter { $0 <= pow(10, b) * 1.0000001 } }
            return YAxis(scale: .log, lo: pow(10, a), hi: pow(10, b), ticks: ticks, label: { shortNumber($0) })
        }
        if percent { lo = max(0, lo); hi = min(1, hi) }
        if hi - lo < 1e-12 * max(1, abs(hi)) {
            let pad = hi == 0 ? 1 : abs(hi) * 0.1
            lo -= pad; hi += pad
        }
        let step = SVGText.niceStep((hi - lo) / 5)
        lo = floor(lo / step + 1e-9) * step
        hi = ceil(hi / step - 1e-9) * step
        if percent { lo = max(0, lo); hi = min(1, hi) }
        let ticks = linearTicks(lo, hi, count: 5)
        let decimals = max(0, Int(-floor(log10(step * (percent ? 100 : 1)) + 1e-9)))
        let label: (Double) -> String = percent
            ? { String(format: "%.\(decimals)f%%", $0 * 100) }
            : { String(format: "%.\(max(0, Int(-floor(log10(step) + 1e-9))))f", $0) }
        return YAxis(scale: .linear, lo: lo, hi: hi, ticks: ticks, label: label)
    }

    /// Multiples of a nice step within [lo, hi].
    static func linearTicks(_ lo: Double, _ hi: Double, count: Int) -> [Double] {
        let step = SVGText.niceStep((hi - lo) / Double(max(1, count)))
        var ticks: [Double] = []
        var t = ceil(lo / step - 1e-9) * step
        while t <= hi + step * 1e-9, ticks.count < 50 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return ticks
    }

    /// A step tick's label; with `thousands` (a long run), multiples of 1000 as "5k".
    static func stepLabel(_ v: Double, thousands: Bool) -> String {
        let n = Int(v.rounded())
        if thousands, n != 0, n % 1000 == 0 { return "\(n / 1000)k" }
        return String(n)
    }

    static func shortNumber(_ v: Double) -> String { String(format: "%g", v) }

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

    /// A coordinate with at most two decimals.
    static func fmt(_ v: Double) -> String {
        guard v.isFinite, abs(v) < 1e9 else { return "0" }
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
