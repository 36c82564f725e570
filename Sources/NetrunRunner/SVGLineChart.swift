// netrun's one SVG chart: curves.svg (the run directory's loss, accuracy and learning rate)
// and `netrun schedule --svg` (the learning rate of every step) are both drawn by it.
import Foundation

/// Lines against one x axis (the step), in panels stacked one above the other, each with its
/// own y axis: a title and a subtitle or status line, grid lines and ticks spaced by
/// `niceStep`, a linear or log y scale, series drawn as lines (optionally as steps, with
/// markers), a legend, axis labels and dashed vertical markers. Pure: `svg()` is a function of
/// the value, so tests can read the result.
public struct SVGLineChart: Sendable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
    }

    public struct Series: Sendable {
        public var name: String
        public var color: String
        public var points: [Point]
        /// Markers on each point (the few evaluation points).
        public var markers: Bool
        /// Drawn as steps (each value holds until the next), for a learning rate logged per step.
        public var stepped: Bool
        /// The polyline's element id, for readers of the file.
        public var id: String?
        /// Drawn dashed: a second series of the same color (a palette's colors used again).
        public var dashed: Bool

        public init(name: String, color: String, points: [Point], markers: Bool = false, stepped: Bool = false, id: String? = nil,
                    dashed: Bool = false) {
            self.name = name
            self.color = color
            self.points = points
            self.markers = markers
            self.stepped = stepped
            self.id = id
            self.dashed = dashed
        }
    }

    /// A name and the line it stands for, in the chart's legend.
    public struct LegendEntry: Sendable, Equatable {
        public var name: String
        public var color: String
        public var dashed: Bool

        public init(name: String, color: String, dashed: Bool = false) {
            self.name = name
            self.color = color
            self.dashed = dashed
        }
    }

    /// How a panel's y axis is fitted to its values.
    public struct AxisRule: Sendable {
        /// Values are shares, shown as percentages and kept within 0 to 100%.
        public var percent = false
        /// A log scale over whole decades when the values are positive and span more than a factor of 20.
        public var allowLog = false
        /// The axis starts at 0 (a learning rate's curve, drawn from the floor).
        public var fromZero = false
        /// Tick labels with up to six significant digits ("0.002") rather than the step's decimals ("0.0020").
        public var significant = false

        public init(percent: Bool = false, allowLog: Bool = false, fromZero: Bool = false, significant: Bool = false) {
            self.percent = percent
            self.allowLog = allowLog
            self.fromZero = fromZero
            self.significant = significant
        }
    }

    public struct Panel: Sendable {
        /// Names the panel in the file (data-panel, data-series) and, with `heading`, above it.
        public var title: String
        public var series: [Series]
        public var axis: AxisRule
        /// What the panel says when no series has a point.
        public var empty: String
        /// The title line above the plot: the title at the left, the legend at the right.
        public var heading: Bool
        /// The panel's own legend in its title line (with `heading`); off when the chart's
        /// `legend` names the series of every panel.
        public var legend: Bool
        /// A label along the y axis, read upwards.
        public var axisLabel: String?

        public init(title: String, series: [Series], axis: AxisRule = AxisRule(), empty: String = "no data yet",
                    heading: Bool = true, legend: Bool = true, axisLabel: String? = nil) {
            self.title = title
            self.series = series
            self.axis = axis
            self.empty = empty
            self.heading = heading
            self.legend = legend
            self.axisLabel = axisLabel
        }
    }

    /// A dashed vertical line across the panels at `x`, labelled at the foot of the last (where
    /// a learning rate, high after warmup, leaves room).
    public struct Marker: Sendable {
        public var x: Double
        public var label: String
        public init(x: Double, label: String) { self.x = x; self.label = label }
    }

    /// Sizes in pixels: the margins around the panels, each panel's height and the gap between two.
    public struct Layout: Sendable {
        public var width: Double
        public var panelHeight: Double
        public var left: Double, right: Double, top: Double, gap: Double, bottom: Double

        public init(width: Double, panelHeight: Double, left: Double, right: Double, top: Double, gap: Double, bottom: Double) {
            self.width = width
            self.panelHeight = panelHeight
            self.left = left
            self.right = right
            self.top = top
            self.gap = gap
            self.bottom = bottom
        }

        public var plotWidth: Double { width - left - right }
        public func height(panels: Int) -> Double { top + Double(panels) * panelHeight + Double(max(0, panels - 1)) * gap + bottom }
    }

    public var layout: Layout
    /// In bold at the top left.
    public var title: String
    /// A smaller line under the title.
    public var subtitle: String?
    /// At the top right (and in the file's tooltip): where the run is.
    public var status: String?
    public var panels: [Panel]
    /// The x axis runs from 0 to this (at least 1).
    public var xMax: Double
    /// Under the x axis.
    public var xLabel: String
    public var markers: [Marker]
    /// One legend for all panels, in rows under the title (wrapped to the plot's width),
    /// which push the panels down: for series that recur in every panel (runs compared).
    public var legend: [LegendEntry]

    public init(layout: Layout, title: String, subtitle: String? = nil, status: String? = nil, panels: [Panel],
                xMax: Double, xLabel: String, markers: [Marker] = [], legend: [LegendEntry] = []) {
        self.layout = layout
        self.title = title
        self.subtitle = subtitle
        self.status = status
        self.panels = panels
        self.xMax = xMax
        self.xLabel = xLabel
        self.markers = markers
        self.legend = legend
    }

    /// The height of the chart, its legend's rows included.
    public var height: Double { layout.height(panels: panels.count) + legendHeight }

    /// About 7 px per character at the chart's 12 px font, and 22 px for the line sample.
    static func legendWidth(_ name: String) -> Double { 22 + 7 * Double(name.count) }

    /// The chart legend's entries by row, each with its x offset from the plot's left edge.
    var legendRows: [[(entry: LegendEntry, x: Double)]] {
        var rows: [[(entry: LegendEntry, x: Double)]] = []
        var x = 0.0
        for entry in legend {
            let width = Self.legendWidth(entry.name)
            if rows.isEmpty || (x > 0 && x + width > layout.plotWidth) {
                rows.append([])
                x = 0
            }
            rows[rows.count - 1].append((entry, x))
            x += width + 18
        }
        return rows
    }

    /// Where the legend's rows begin (under the title and subtitle), and the height they add.
    private var legendTop: Double { subtitle == nil ? 30 : 46 }
    private var legendHeight: Double { legend.isEmpty ? 0 : Double(legendRows.count) * 17 + 8 }

    /// A legend's line sample (16 px long, at the text's middle) and name, the text's baseline at `y`.
    private static func legendItem(_ name: String, color: String, dashed: Bool, x: Double, y: Double) -> String {
        let fmt = coordinate
        let dash = dashed ? " stroke-dasharray=\"5 3\"" : ""
        return "<line x1=\"\(fmt(x))\" y1=\"\(fmt(y - 4))\" x2=\"\(fmt(x + 16))\" y2=\"\(fmt(y - 4))\" stroke=\"\(color)\" stroke-width=\"2.5\"\(dash)/>\n"
            + "<text x=\"\(fmt(x + 20))\" y=\"\(fmt(y))\" fill=\"#333\">\(escaped(name))</text>\n"
    }

    // MARK: drawing

    public func svg() -> String {
        let L = layout
        let fmt = Self.coordinate
        let height = self.height
        let top = L.top + legendHeight
        let plotWidth = L.plotWidth
        let xMax = max(xMax, 1)
        let xTicks = Self.ticks(0, xMax, step: Self.niceStep(xMax / 8))
        let thousands = xMax >= 10_000
        func sx(_ x: Double) -> Double { L.left + x / xMax * plotWidth }

        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(fmt(L.width))" height="\(fmt(height))" \
        viewBox="0 0 \(fmt(L.width)) \(fmt(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">

        """
        out += "<title>\(Self.escaped(([title] + [status].compactMap { $0 }).joined(separator: ": ")))</title>\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(fmt(L.left))\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(Self.escaped(title))</text>\n"
        if let status {
            out += "<text x=\"\(fmt(L.width - L.right))\" y=\"22\" text-anchor=\"end\" fill=\"#555\">\(Self.escaped(status))</text>\n"
        }
        if let subtitle {
            out += "<text x=\"\(fmt(L.left))\" y=\"38\" font-size=\"11\" fill=\"#444\">\(Self.escaped(subtitle))</text>\n"
        }
        if !legend.isEmpty {
            out += "<g class=\"legend\">\n"
            for (r, row) in legendRows.enumerated() {
                for item in row {
                    out += Self.legendItem(item.entry.name, color: item.entry.color, dashed: item.entry.dashed,
                                           x: L.left + item.x, y: legendTop + 12 + 17 * Double(r))
                }
            }
            out += "</g>\n"
        }

        for (index, panel) in panels.enumerated() {
            let y0 = top + Double(index) * (L.panelHeight + L.gap)
            let y1 = y0 + L.panelHeight
            out += "<g class=\"panel\" data-panel=\"\(Self.escaped(panel.title))\">\n"
            if panel.heading {
                out += "<text x=\"\(fmt(L.left))\" y=\"\(fmt(y0 - 8))\" font-weight=\"bold\">\(Self.escaped(panel.title))</text>\n"
            }
            if let label = panel.axisLabel {
                let cy = fmt(y0 + L.panelHeight / 2)
                out += "<text x=\"18\" y=\"\(cy)\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(cy))\">\(Self.escaped(label))</text>\n"
            }
            let values = panel.series.flatMap(\.points).map(\.y).filter(\.isFinite)
            // The x grid and ticks.
            for t in xTicks {
                out += "<line x1=\"\(fmt(sx(t)))\" y1=\"\(fmt(y0))\" x2=\"\(fmt(sx(t)))\" y2=\"\(fmt(y1))\" stroke=\"#e6e6e6\"/>\n"
                if index == panels.count - 1 {
                    out += "<text x=\"\(fmt(sx(t)))\" y=\"\(fmt(y1 + 16))\" text-anchor=\"middle\">\(Self.stepLabel(t, thousands: thousands))</text>\n"
                }
            }
            if values.isEmpty {
                out += "<rect x=\"\(fmt(L.left))\" y=\"\(fmt(y0))\" width=\"\(fmt(plotWidth))\" height=\"\(fmt(L.panelHeight))\" fill=\"none\" stroke=\"#333\"/>\n"
                out += "<text x=\"\(fmt(L.left + plotWidth / 2))\" y=\"\(fmt(y0 + L.panelHeight / 2))\" text-anchor=\"middle\" fill=\"#888\">\(Self.escaped(panel.empty))</text>\n"
                out += "</g>\n"
                continue
            }
            let axis = YAxis.fitted(values, panel.axis)
            func sy(_ v: Double) -> Double { y1 - axis.fraction(v) * L.panelHeight }
            for t in axis.ticks {
                out += "<line x1=\"\(fmt(L.left))\" y1=\"\(fmt(sy(t)))\" x2=\"\(fmt(L.left + plotWidth))\" y2=\"\(fmt(sy(t)))\" stroke=\"#e6e6e6\"/>\n"
                out += "<line x1=\"\(fmt(L.left - 4))\" y1=\"\(fmt(sy(t)))\" x2=\"\(fmt(L.left))\" y2=\"\(fmt(sy(t)))\" stroke=\"#333\"/>\n"
                out += "<text x=\"\(fmt(L.left - 7))\" y=\"\(fmt(sy(t) + 4))\" text-anchor=\"end\">\(axis.label(t))</text>\n"
            }
            if axis.scale == .log, panel.heading {
                out += "<text x=\"\(fmt(L.left + 110))\" y=\"\(fmt(y0 - 8))\" fill=\"#777\">(log scale)</text>\n"
            }
            out += "<rect x=\"\(fmt(L.left))\" y=\"\(fmt(y0))\" width=\"\(fmt(plotWidth))\" height=\"\(fmt(L.panelHeight))\" fill=\"none\" stroke=\"#333\"/>\n"
            for (m, marker) in markers.enumerated() where marker.x > 0 && marker.x < xMax {
                out += "<line x1=\"\(fmt(sx(marker.x)))\" y1=\"\(fmt(y0))\" x2=\"\(fmt(sx(marker.x)))\" y2=\"\(fmt(y1))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n"
                if index == panels.count - 1 {
                    out += "<text x=\"\(fmt(sx(marker.x) + 4))\" y=\"\(fmt(y1 - 6 - 13 * Double(m)))\" font-size=\"11\" fill=\"#666\">\(Self.escaped(marker.label))</text>\n"
                }
            }

            // The curves, clipped to the plot (a value outside a log axis cannot be drawn).
            out += "<clipPath id=\"clip\(index)\"><rect x=\"\(fmt(L.left))\" y=\"\(fmt(y0 - 4))\" width=\"\(fmt(plotWidth + 4))\" height=\"\(fmt(L.panelHeight + 8))\"/></clipPath>\n"
            for series in panel.series where !series.points.isEmpty {
                let drawable = series.points.filter { $0.y.isFinite && (axis.scale == .linear || $0.y > 0) }
                var coordinates: [String] = []
                for (i, p) in drawable.enumerated() {
                    if series.stepped, i > 0 { coordinates.append("\(fmt(sx(p.x))),\(fmt(sy(drawable[i - 1].y)))") }
                    coordinates.append("\(fmt(sx(p.x))),\(fmt(sy(p.y)))")
                }
                let id = series.id.map { " id=\"\(Self.escaped($0))\"" } ?? ""
                let dash = series.dashed ? " stroke-dasharray=\"5 3\"" : ""
                out += "<polyline\(id) class=\"series\" data-series=\"\(Self.escaped(panel.title))/\(Self.escaped(series.name))\" data-count=\"\(drawable.count)\" clip-path=\"url(#clip\(index))\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"1.6\" stroke-linejoin=\"round\"\(dash) points=\"\(coordinates.joined(separator: " "))\"/>\n"
                if series.markers {
                    for p in drawable {
                        out += "<circle cx=\"\(fmt(sx(p.x)))\" cy=\"\(fmt(sy(p.y)))\" r=\"2.8\" fill=\"\(series.color)\"/>\n"
                    }
                }
            }
            // The legend, above the plot at the right (clear of the curves), for the series
            // that have points; about 7 px per character at this font size.
            if panel.heading, panel.legend {
                var lx = L.left + plotWidth
                for series in panel.series.filter({ !$0.points.isEmpty }).reversed() {
                    lx -= Self.legendWidth(series.name)
                    out += Self.legendItem(series.name, color: series.color, dashed: series.dashed, x: lx, y: y0 - 8)
                    lx -= 14
                }
            }
            out += "</g>\n"
        }
        let lastPanelBottom = height - L.bottom
        out += "<text x=\"\(fmt(L.left + plotWidth / 2))\" y=\"\(fmt(lastPanelBottom + 34))\" text-anchor=\"middle\">\(Self.escaped(xLabel))</text>\n"
        out += "</svg>\n"
        return out
    }

    // MARK: the y axis

    public struct YAxis: Sendable {
        public enum Scale: Sendable { case linear, log }
        enum Labels: Sendable {
            /// Fixed decimals (as many as the tick step needs), optionally as a percentage.
            case decimals(Int, percent: Bool)
            /// Up to six significant digits.
            case significant
        }

        public var scale: Scale
        public var lo: Double
        public var hi: Double
        public var ticks: [Double]
        var labels: Labels

        public func label(_ v: Double) -> String {
            switch labels {
            case .decimals(let d, false): return String(format: "%.\(d)f", v)
            case .decimals(let d, true): return String(format: "%.\(d)f%%", v * 100)
            case .significant: return String(format: "%.6g", v)
            }
        }

        /// Where `v` is, from 0 at `lo` to 1 at `hi`.
        func fraction(_ v: Double) -> Double {
            switch scale {
            case .linear: return (v - lo) / (hi - lo)
            case .log: return (log10(v) - log10(lo)) / (log10(hi) - log10(lo))
            }
        }

        /// A linear axis on tick boundaries around the values, or a log axis over whole decades
        /// when they are positive, allowed, and span more than a factor of 20 (a step schedule's
        /// learning rate).
        public static func fitted(_ values: [Double], _ rule: AxisRule) -> YAxis {
            var lo = values.min() ?? 0, hi = values.max() ?? 1
            if rule.allowLog, lo > 0, hi / lo > 20 {
                // (A float32 0.0001 is 9.99999974e-05: a hair below the decade, not a decade lower.)
                let a = floor(log10(lo) + 1e-6), b = ceil(log10(hi) - 1e-6)
                let decades = stride(from: a, through: b, by: 1).map { pow(10, $0) }
                var ticks = decades
                if b - a <= 2 { ticks = decades.flatMap { [$0, 2 * $0, 5 * $0] }.filter { $0 <= pow(10, b) * 1.0000001 } }
                return YAxis(scale: .log, lo: pow(10, a), hi: pow(10, b), ticks: ticks, labels: .significant)
            }
            if rule.fromZero { lo = min(0, lo); hi = max(0, hi) }
            if rule.percent { lo = max(0, lo); hi = min(1, hi) }
            if hi - lo < 1e-12 * max(1, abs(hi)) {
                let pad = hi == 0 ? 1 : abs(hi) * 0.1
                if rule.fromZero, lo == 0 { hi += pad } else { lo -= pad; hi += pad }
            }
            let step = niceStep((hi - lo) / 5)
            lo = floor(lo / step + 1e-9) * step
            hi = ceil(hi / step - 1e-9) * step
            if rule.percent { lo = max(0, lo); hi = min(1, hi) }
            let labels: Labels = rule.significant
                ? .significant
                : .decimals(max(0, Int(-floor(log10(step * (rule.percent ? 100 : 1)) + 1e-9))), percent: rule.percent)
            // Ticks at the step the rounded span calls for: coarser than `step` when rounding
            // out widened the span past five steps.
            let ticks = SVGLineChart.ticks(lo, hi, step: niceStep((hi - lo) / 5))
            return YAxis(scale: .linear, lo: lo, hi: hi, ticks: ticks, labels: labels)
        }
    }

    // MARK: numbers and text

    /// The smallest of 1, 2 or 5 times a power of ten that is at least `raw`: ticks spaced
    /// by it over a span of `count * raw` number at most `count` (plus the one at the start).
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        let m = raw / magnitude
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * magnitude
    }

    /// The multiples of `step` within [lo, hi] (at most 50).
    static func ticks(_ lo: Double, _ hi: Double, step: Double) -> [Double] {
        var ticks: [Double] = []
        var t = ceil(lo / step - 1e-9) * step
        while t <= hi + step * 1e-9, ticks.count < 50 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return ticks
    }

    /// A step tick's label; with `thousands` (a long run), multiples of 1000 as "5k", and of
    /// 100 000 from a million on as "1.2M".
    static func stepLabel(_ v: Double, thousands: Bool) -> String {
        let n = Int(v.rounded())
        if thousands, n >= 1_000_000, n % 100_000 == 0 { return String(format: "%gM", Double(n) / 1_000_000) }
        if thousands, n != 0, n % 1000 == 0 { return "\(n / 1000)k" }
        return String(n)
    }

    /// A coordinate with at most two decimals.
    static func coordinate(_ v: Double) -> String {
        guard v.isFinite, abs(v) < 1e9 else { return "0" }
        let r = (v * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// Text for an XML attribute or element: `&`, `<`, `>` and `"` escaped, and control
    /// characters (which XML 1.0 has no place for) shown as spaces.
    public static func escaped(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case _ where c.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }: out += " "
            default: out.append(c)
            }
        }
        return out
    }
}
