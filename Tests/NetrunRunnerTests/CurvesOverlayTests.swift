import Foundation
import Testing
@testable import NetrunRunner

/// `CurvesOverlay`: several runs' curves on one chart.
@Suite struct CurvesOverlayTests {
    @Test func eachRunIsOneSeriesPerPanelInOneColorNamedOnceInTheLegend() throws {
        let a = SampleRun(totalSteps: 300), b = SampleRun(totalSteps: 200)
        let runs = [CurvesOverlay.Run(label: "lr=0.1,p=0.5", events: a.events()),
                    CurvesOverlay.Run(label: "lr=0.01,p=0.5", events: b.events())]
        let doc = try SVGElements.parse(Data(CurvesOverlay.svg(runs, title: "two runs").utf8))
        let lines = doc.elements.filter { $0.name == "polyline" }
        for panel in ["training loss", "validation top-1", "learning rate"] {
            let series = lines.filter { $0.attributes["data-series"]?.hasPrefix(panel + "/") ?? false }
            #expect(series.compactMap { $0.attributes["data-series"] } == runs.map { "\(panel)/\($0.label)" })
            #expect(series.compactMap { $0.attributes["stroke"] } == ["#1f77b4", "#ff7f0e"], "\(panel)")
        }
        #expect(doc.seriesPoints["training loss/lr=0.1,p=0.5"] == 300 && doc.seriesPoints["validation top-1/lr=0.01,p=0.5"] == 8)
        for run in runs { #expect(doc.texts.filter { $0 == run.label }.count == 1, "\(run.label)") }
        // The x axis covers the longer run.
        #expect(doc.texts.contains("300") && doc.texts.contains("two runs"))
    }

    @Test func runsPastThePaletteAreDashed() {
        let runs = (0 ..< 11).map { CurvesOverlay.Run(label: "r\($0)", events: SampleRun(totalSteps: 50).events()) }
        let chart = CurvesOverlay.chart(runs, title: "many")
        #expect(chart.legend.map(\.dashed) == Array(repeating: false, count: 10) + [true])
        #expect(chart.legend[10].color == chart.legend[0].color)
        #expect(chart.panels.allSatisfy { $0.series.map(\.dashed) == chart.legend.map(\.dashed) })
    }
}
