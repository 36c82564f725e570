import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import _NetrunTestSupport
@testable import NetrunRunner

/// The elements of an SVG file, parsed with Foundation's XMLParser (which fails on
/// anything that is not well-formed XML).
final class SVGElements: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    /// The text of each element that has some, whole (XMLParser hands it over in pieces).
    var texts: [String] = []
    private var text = ""

    static func parse(_ data: Data) throws -> SVGElements {
        let result = SVGElements()
        let parser = XMLParser(data: data)
        parser.delegate = result
        try #require(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "?")")
        return result
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((name, attributes))
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if !text.isEmpty { texts.append(text) }
        text = ""
    }

    /// The polylines' point counts, by their data-series.
    var seriesPoints: [String: Int] {
        var out: [String: Int] = [:]
        for e in elements where e.name == "polyline" {
            if let series = e.attributes["data-series"] {
                out[series] = e.attributes["points"]?.split(separator: " ").count ?? 0
            }
        }
        return out
    }
}

@Suite struct MetricsCurvesTests {
    @Test func theChartIsWellFormedSVGWithAPointPerStepAndPerEvaluation() throws {
        let run = SampleRun(totalSteps: 300)   // 12 evaluations
        try withTemporaryDirectory { dir in
            let sink = MetricsCurvesSink(runDirectory: dir)
            try sink.record(run.start)
            for event in run.events() { try sink.record(event) }
            try sink.record(.runEnd(.init(step: 300, reason: .finished)))
            try sink.close()

            let svg = try SVGElements.parse(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/curves.svg")))
            #expect(svg.elements.first?.name == "svg")
            let points = svg.seriesPoints
            #expect(points["loss/train"] == 300)
            #expect(points["loss/val"] == 12)
            #expect(points["validation accuracy/top-1"] == 12)
            #expect(points["validation accuracy/top-5"] == 12)
            // The learning rate is drawn as steps: a corner before each point but the first.
            #expect(points["learning rate/lr"] == 2 * 300 - 1)
            #expect(svg.elements.filter { $0.name == "circle" }.count == 3 * 12)
            // Axes labelled, a legend, the run named, nothing fetched from elsewhere.
            for label in ["step", "loss", "validation accuracy", "learning rate", "train", "val", "top-1", "top-5", "lr",
                          "fashion-alexnet", "step 300 of 300, epoch 12", "(log scale)"] {
                #expect(svg.texts.contains(label), "\(label)")
            }
            #expect(!svg.elements.contains { $0.attributes.keys.contains { $0.hasSuffix("href") } })
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["curves.svg"], "no temporary file left")
        }
    }

    @Test func theFileAppearsAtTheFirstEvaluationAndFollowsEachOne() throws {
        let run = SampleRun(totalSteps: 60)
        try withTemporaryDirectory { dir in
            let path = "\(dir)/curves.svg"
            let sink = MetricsCurvesSink(path: path)
            try sink.record(run.start)
            for step in 1 ... 24 { try sink.record(run.train(step)) }
            #expect(!FileManager.default.fileExists(atPath: path))
            try sink.record(run.train(25))
            try sink.record(run.evaluation(25))
            #expect(try SVGElements.parse(Data(contentsOf: URL(fileURLWithPath: path))).seriesPoints["loss/train"] == 25)
            for step in 26 ... 50 { try sink.record(run.train(step)) }
            try sink.record(run.evaluation(50))
            #expect(try SVGElements.parse(Data(contentsOf: URL(fileURLWithPath: path))).seriesPoints["loss/val"] == 2)
            // Steps after the last evaluation are drawn by close().
            for step in 51 ... 55 { try sink.record(run.train(step)) }
            try sink.close()
            #expect(try SVGElements.parse(Data(contentsOf: URL(fileURLWithPath: path))).seriesPoints["loss/train"] == 55)
        }
    }

    @Test func longRunsAreThinnedToTheLimitAndKeepTheLastStep() throws {
        let run = SampleRun(totalSteps: 5000, stepsPerEpoch: 500, evaluateEvery: 500)
        var data = CurvesData()
        for event in run.events() { data.add(event) }
        let svg = try SVGElements.parse(Data(CurvesChart.svg(data, maxPoints: 400).utf8))
        #expect(svg.seriesPoints["loss/train"] == 400)
        #expect(svg.seriesPoints["loss/val"] == 10)
        let thinned = CurvesChart.thin(data.trainLoss, to: 400)
        #expect(thinned.count == 400)
        #expect(thinned.last == data.trainLoss.last)
        #expect(zip(thinned, thinned.dropFirst()).allSatisfy { $0.x < $1.x })
        // Averages of runs of points stay within the data's range.
        let ys = data.trainLoss.map(\.y)
        let (lo, hi) = (ys.min() ?? 0, ys.max() ?? 0)
        #expect(hi > lo)
        #expect(thinned.allSatisfy { $0.y >= lo && $0.y <= hi })
        // The learning rate is thinned by picking points, so a step schedule keeps its values.
        let rates = Set(data.learningRate.map(\.y))
        let thinnedRates = CurvesChart.thin(data.learningRate, to: 400, averaging: false)
        #expect(thinnedRates.count == 400 && thinnedRates.allSatisfy { rates.contains($0.y) })
        #expect(svg.seriesPoints["learning rate/lr"] == 2 * 400 - 1)
    }

    @Test func aResumedRunDrawsTheHistoryFromMetricsJSONL() throws {
        let run = SampleRun(totalSteps: 100)
        try withTemporaryDirectory { dir in
            let first = MetricsSinks([MetricsJSONLSink(runDirectory: dir), MetricsCurvesSink(runDirectory: dir)])
            try first.record(run.start)
            for event in run.events(to: 80) { try first.record(event) }
            try first.close()

            let second = MetricsSinks([MetricsJSONLSink(runDirectory: dir), MetricsCurvesSink(runDirectory: dir)])
            try second.record(run.resumed(after: 60))
            for event in run.events(from: 61) { try second.record(event) }
            try second.close()
            let svg = try SVGElements.parse(Data(contentsOf: URL(fileURLWithPath: "\(dir)/curves.svg")))
            #expect(svg.seriesPoints["loss/train"] == 100)
            #expect(svg.seriesPoints["loss/val"] == 4)
        }
    }

    @Test func aRunWithoutEvaluationsSaysSo() throws {
        var data = CurvesData()
        for step in 1 ... 10 { data.add(SampleRun().train(step)) }
        let svg = try SVGElements.parse(Data(CurvesChart.svg(data, maxPoints: 100).utf8))
        #expect(svg.texts.contains("no evaluation yet"))
        #expect(svg.seriesPoints["loss/val"] == nil)
        #expect(svg.seriesPoints["loss/train"] == 10)
    }

    @Test func nonFiniteLossesAreLeftOutOfTheDrawing() throws {
        var data = CurvesData()
        for step in 1 ... 10 {
            guard case .trainStep(var s) = SampleRun().train(step) else { return }
            if step > 8 { s.totalLoss = .nan }
            data.add(.trainStep(s))
        }
        let svg = try SVGElements.parse(Data(CurvesChart.svg(data, maxPoints: 100).utf8))
        #expect(svg.seriesPoints["loss/train"] == 8)
    }

    @Test func markupInTheConfigNameIsEscaped() throws {
        var data = CurvesData()
        data.title = "a<b & \"c\"\u{1}"
        data.add(SampleRun().train(1))
        let svg = try SVGElements.parse(Data(CurvesChart.svg(data, maxPoints: 100).utf8))
        #expect(svg.texts.contains("a<b & \"c\" "))
    }

    @Test func aDirectoryThatCannotBeWrittenIsAnErrorNamingTheFile() throws {
        try withTemporaryDirectory { dir in
            let sink = MetricsCurvesSink(path: "\(dir)/missing/curves.svg")
            try sink.record(SampleRun().start)
            try sink.record(SampleRun().train(1))
            let error = try #require(throws: MetricsError.self) { try sink.record(SampleRun().evaluation(1)) }
            #expect(error.path == "\(dir)/missing/curves.svg")
        }
    }

    @Test(arguments: [(0.0, 2.4), (0.25, 0.31), (0.0001, 0.01), (5.0, 5.0), (-1.0, 1.0)])
    func axisTicksAreRoundAndCoverTheValues(lo: Double, hi: Double) {
        let axis = CurvesChart.yAxis([lo, hi], percent: false, allowLog: false)
        #expect(axis.lo <= lo && axis.hi >= hi)
        #expect(axis.ticks.count >= 2 && axis.ticks.count <= 12)
        let step = axis.ticks[1] - axis.ticks[0]
        let mantissa = step / pow(10, floor(log10(step)))
        #expect([1, 2, 5, 10].contains { abs(mantissa - $0) < 1e-6 }, "\(step)")
        // Labels are distinct (enough decimals for the step).
        #expect(Set(axis.ticks.map(axis.label)).count == axis.ticks.count, "\(axis.ticks.map(axis.label))")
    }

    @Test func aStepScheduleGetsALogAxisOverWholeDecades() {
        let axis = CurvesChart.yAxis([0.01, 0.001, 0.0001], percent: false, allowLog: true)
        #expect(axis.scale == .log)
        #expect(abs(axis.lo - 0.0001) < 1e-15 && abs(axis.hi - 0.01) < 1e-12)
        #expect(axis.ticks.map(axis.label).contains("0.001"))
    }
}
