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
}
