/// The curves of several runs on one chart, for `netrun compare --svg`: training loss,
/// validation top-1 and the learning rate against the step, in curves.svg's style (its
/// layout, thinning and axes), one color per run in every panel and one legend naming the
/// runs under the title. Pure: `svg` is a function of its arguments.
public enum CurvesOverlay {
    /// A run to draw: its name in the legend and its metrics.jsonl's events.
    public struct Run: Sendable {
        public var label: String
        public var events: [MetricsEvent]

        public init(label: String, events: [MetricsEvent]) {
            self.label = label
            self.events = events
        }
    }

    /// Matplotlib's ten category colors; runs past the tenth reuse them, dashed.
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    static func color(_ run: Int) -> String { palette[run % palette.count] }
    static func dashed(_ run: Int) -> Bool { run >= palette.count }

    public static func chart(_ runs: [Run], title: String, maxPointsPerSeries: Int = 600) -> SVGLineChart {
        typealias Series = SVGLineChart.Series
        let limit = max(2, maxPointsPerSeries)
        let data = runs.map { run in
            var d = CurvesData()
            for event in run.events { d.add(event) }
            return d
        }
        func series(_ points: (CurvesData) -> [ChartPoint], markers: Bool = false, stepped: Bool = false) -> [Series] {
            zip(runs, data).enumerated().map { i, run in
                Series(name: run.0.label, color: color(i), points: points(run.1), markers: markers, stepped: stepped, dashed: dashed(i))
            }
        }
        let panels = [
            // A log axis when the losses span more than a factor of 20: a run that diverged
            // would otherwise flatten the others against the floor.
            SVGLineChart.Panel(title: "training loss", series: series { CurvesChart.thin($0.trainLoss, to: limit) },
                               axis: .init(allowLog: true), legend: false),
            SVGLineChart.Panel(title: "validation top-1", series: series({ $0.valTopK[1] ?? [] }, markers: true),
                               axis: .init(percent: true), empty: "no evaluation", legend: false),
            SVGLineChart.Panel(title: "learning rate", series: series({ CurvesChart.thin($0.learningRate, to: limit, averaging: false) }, stepped: true),
                               axis: .init(allowLog: true), legend: false),
        ]
        let legend = runs.indices.map { SVGLineChart.LegendEntry(name: runs[$0].label, color: color($0), dashed: dashed($0)) }
        return SVGLineChart(layout: CurvesChart.layout, title: title, panels: panels,
                            xMax: data.map(\.lastStep).max() ?? 0, xLabel: "step", legend: legend)
    }

    /// The chart as SVG text.
    public static func svg(_ runs: [Run], title: String, maxPointsPerSeries: Int = 600) -> String {
        chart(runs, title: title, maxPointsPerSeries: maxPointsPerSeries).svg()
    }
}
