import Foundation
import Testing
@testable import NetrunRunner

/// The one SVG chart's rules that its two users (curves.svg, `netrun schedule --svg`) rely on.
@Suite struct SVGLineChartTests {
    @Test func stepTicksOfLongRunsAreShortened() {
        #expect(SVGLineChart.stepLabel(400, thousands: false) == "400")
        #expect(SVGLineChart.stepLabel(2000, thousands: true) == "2k")
        #expect(SVGLineChart.stepLabel(800_000, thousands: true) == "800k")
        #expect(SVGLineChart.stepLabel(1_000_000, thousands: true) == "1M")
        #expect(SVGLineChart.stepLabel(1_200_000, thousands: true) == "1.2M")
        #expect(SVGLineChart.stepLabel(0, thousands: true) == "0")
    }

    @Test func anAxisFromZeroReachesTheTopOnATickAndSurvivesAllZeros() {
        let axis = SVGLineChart.YAxis.fitted([0.0005, 0.002], .init(fromZero: true, significant: true))
        #expect(axis.lo == 0 && abs(axis.hi - 0.002) < 1e-15)
        #expect(axis.ticks.map(axis.label) == ["0", "0.0005", "0.001", "0.0015", "0.002"])
        let zeros = SVGLineChart.YAxis.fitted([0, 0], .init(fromZero: true))
        #expect(zeros.lo == 0 && zeros.hi > 0 && zeros.ticks.allSatisfy(\.isFinite))
    }

    @Test func aMarkerIsDrawnWithinTheRangeAndTextIsEscaped() throws {
        let layout = SVGLineChart.Layout(width: 400, panelHeight: 200, left: 50, right: 10, top: 48, gap: 0, bottom: 50)
        let panel = SVGLineChart.Panel(title: "p", series: [.init(name: "s", color: "#000", points: [.init(0, 1), .init(10, 2)], id: "s")],
                                       heading: false, axisLabel: "value")
        let svg = SVGLineChart(layout: layout, title: "a<b", subtitle: "x & y", panels: [panel], xMax: 10, xLabel: "step",
                               markers: [.init(x: 4, label: "here"), .init(x: 11, label: "outside")]).svg()
        let doc = try SVGElements.parse(Data(svg.utf8))
        #expect(doc.texts.contains("a<b") && doc.texts.contains("x & y") && doc.texts.contains("value") && doc.texts.contains("here"))
        #expect(!doc.texts.contains("outside"))
        #expect(doc.elements.contains { $0.name == "polyline" && $0.attributes["id"] == "s" })
        #expect(!doc.texts.contains("p"), "no heading")
    }

    @Test func theChartLegendWrapsIntoRowsAboveThePanelsAndPushesThemDown() throws {
        let layout = SVGLineChart.Layout(width: 440, panelHeight: 100, left: 50, right: 10, top: 48, gap: 20, bottom: 40)
        let names = (1 ... 6).map { "run number \($0)" }   // 22 + 7 * 12 = 106 px each, 18 apart: three fit in 380 px
        let series = names.map { SVGLineChart.Series(name: $0, color: "#123456", points: [.init(0, 1), .init(5, 2)]) }
        let plain = SVGLineChart(layout: layout, title: "t", panels: [.init(title: "p", series: series, legend: false)], xMax: 5, xLabel: "step")
        var chart = plain
        chart.legend = names.map { SVGLineChart.LegendEntry(name: $0, color: "#123456", dashed: $0.hasSuffix("6")) }
        #expect(chart.legendRows.map { $0.map(\.entry.name) } == [Array(names[0 ..< 3]), Array(names[3 ..< 6])])
        #expect(chart.legendRows.allSatisfy { $0.allSatisfy { $0.x + SVGLineChart.legendWidth($0.entry.name) <= layout.plotWidth } })
        #expect(chart.height == plain.height + 2 * 17 + 8)
        let doc = try SVGElements.parse(Data(chart.svg().utf8))
        #expect(names.allSatisfy { name in doc.texts.filter { $0 == name }.count == 1 }, "each name once, in the chart legend")
        #expect(doc.elements.filter { $0.name == "line" && $0.attributes["stroke-dasharray"] == "5 3" }.count == 1)
        // The panel's title sits below the legend's last row.
        let legendBaselines = doc.elements.filter { $0.name == "text" && ["70", "194", "318"].contains($0.attributes["x"] ?? "") }
            .compactMap { Double($0.attributes["y"] ?? "") }
        let plainDoc = try SVGElements.parse(Data(plain.svg().utf8))
        let rect = { (d: SVGElements) in d.elements.first { $0.name == "rect" && $0.attributes["stroke"] == "#333" }?.attributes["y"].flatMap(Double.init) }
        let top = try #require(rect(doc)), plainTop = try #require(rect(plainDoc))
        #expect(top == plainTop + 42)
        #expect((legendBaselines.max() ?? .infinity) < top - 20, "\(legendBaselines) against the plot at \(top)")
    }
}
