import Foundation
import Synchronization
import Testing
@testable import NetrunRunner

/// What the sink wrote, call by call, and a clock the test moves.
final class FakeTerminal: Sendable {
    let writes = Mutex<[String]>([])
    let now = Mutex(0.0)

    func sink(isTerminal: Bool, columns: Int = 80, options: MetricsTerminalSink.Options = .init()) -> MetricsTerminalSink {
        MetricsTerminalSink(isTerminal: isTerminal, options: options, columns: { columns },
                            clock: { self.now.withLock { $0 } }, write: { text in self.writes.withLock { $0.append(text) } })
    }

    func advance(_ seconds: Double) { now.withLock { $0 += seconds } }
    var all: [String] { writes.withLock { $0 } }
    func clear() { writes.withLock { $0 = [] } }
}

let eraseToEnd = "\u{1B}[K"

/// A redraw's visible text: what is between its `\r` and its erase-to-end.
func visible(_ redraw: String) -> String {
    String(redraw.dropFirst().dropLast(eraseToEnd.count))
}

@Suite struct MetricsTerminalTests {
    @Test(arguments: [24, 40, 52, 64, 80, 132])
    func onATerminalTheLineIsRedrawnInPlaceAndNeverWiderThanIt(columns: Int) throws {
        let run = SampleRun(totalSteps: 300, heads: ["main", "aux1"])
        let t = FakeTerminal()
        let sink = t.sink(isTerminal: true, columns: columns)
        try sink.record(run.start)
        #expect(t.all == ["fashion-alexnet: 300 steps, 12 epochs of 25 steps\n"])
        t.clear()
        for step in 1 ... 30 {
            t.advance(0.5)
            try sink.record(run.train(step))
        }
        let redraws = t.all
        #expect(redraws.count == 30)
        for redraw in redraws {
            #expect(redraw.hasPrefix("\r") && redraw.hasSuffix(eraseToEnd) && !redraw.contains("\n"), "\(redraw.debugDescription)")
            #expect(visible(redraw).count <= columns - 1, "\(visible(redraw)) is wider than \(columns - 1)")
        }
        let last = visible(try #require(redraws.last))
        if columns >= 40 {
            #expect(last.hasPrefix("epoch 2/12  step 30/300  loss "), "\(last)")
        } else {
            #expect(last == String("epoch 2/12  step 30/300  loss ".prefix(columns - 1)))
        }
        if columns >= 132 {
            #expect(last.contains("(main ") && last.contains(" aux1 "))
        }
        if columns >= 80 {
            #expect(last.contains("lr 0.01") && last.contains(" img/s") && last.hasSuffix("0:02:15 left"), "\(last)")
        }
    }

    @Test func lessImportantFieldsGoFirstWhenTheTerminalIsNarrow() throws {
        let run = SampleRun(totalSteps: 300)
        var shown: [Int: String] = [:]
        for columns in [40, 52, 64, 80] {
            let t = FakeTerminal()
            let sink = t.sink(isTerminal: true, columns: columns)
            try sink.record(run.start)
            t.advance(1)
            try sink.record(run.train(1))
            t.advance(1)
            try sink.record(run.train(2))
            shown[columns] = visible(try #require(t.all.last))
        }
        // img/s goes before lr, lr before the time left.
        #expect(shown[80]?.contains("img/s") == true && shown[80]?.contains("lr ") == true)
        #expect(shown[64]?.contains("img/s") == false && shown[64]?.contains("lr ") == true && shown[64]?.contains("left") == true)
        #expect(shown[52]?.contains("lr ") == false && shown[52]?.contains("left") == true)
        #expect(shown[40]?.contains("left") == false && shown[40]?.contains("loss") == true)
    }

    @Test func redrawsAreThrottledButTheLastStepIsAlwaysDrawn() throws {
        let run = SampleRun(totalSteps: 100)
        let t = FakeTerminal()
        let sink = t.sink(isTerminal: true, options: .init(redrawInterval: 0.1))
        try sink.record(run.start)
        t.clear()
        for step in 1 ... 100 {
            t.advance(0.0125)   // 8 steps per redraw interval
            try sink.record(run.train(step))
        }
        let redraws = t.all
        #expect(redraws.count >= 12 && redraws.count <= 14, "\(redraws.count) redraws")
        #expect(visible(try #require(redraws.last)).contains("step 100/100"))
    }

    @Test func anEvaluationPrintsASummaryLineAndDrawsTheProgressLineAgain() throws {
        let run = SampleRun(totalSteps: 300)
        let t = FakeTerminal()
        let sink = t.sink(isTerminal: true)
        try sink.record(run.start)
        for step in 1 ... 25 {
            t.advance(1)
            try sink.record(run.train(step))
        }
        t.clear()
        try sink.record(run.evaluation(25))
        let output = try #require(t.all.first)
        #expect(t.all.count == 1)
        let parts = output.components(separatedBy: "\n")
        #expect(parts.count == 2)
        let summary = parts[0], redraw = parts[1]
        #expect(summary.hasPrefix("\reval at step 25 (epoch 1): val_loss ") && summary.hasSuffix(eraseToEnd))
        #expect(summary.contains(", top1 ") && summary.contains("%, top5 ") && summary.hasSuffix("% (best)\(eraseToEnd)"))
        #expect(redraw.hasPrefix("\repoch 1/12  step 25/300  loss ") && redraw.hasSuffix(eraseToEnd))
    }

    @Test func aWorseEvaluationNamesTheBestSoFar() throws {
        let t = FakeTerminal()
        let sink = t.sink(isTerminal: false)
        try sink.record(SampleRun().start)
        try sink.record(.evaluation(.init(step: 10, epoch: 1, loss: 1, topK: [1: 0.5], examples: 100)))
        try sink.record(.evaluation(.init(step: 20, epoch: 1, loss: 1.5, topK: [1: 0.25], examples: 100)))
        #expect(t.all.dropFirst() == ["eval at step 10 (epoch 1): val_loss 1.0000, top1 50.00% (best)\n",
                                      "eval at step 20 (epoch 1): val_loss 1.5000, top1 25.00%; best top1 50.00% at step 10\n"])
    }

    @Test func theEndReplacesTheProgressLineAndCloseAddsNothingMore() throws {
        let run = SampleRun(totalSteps: 50)
        let t = FakeTerminal()
        let sink = t.sink(isTerminal: true)
        try sink.record(run.start)
        for event in run.events() {
            t.advance(1.2)
            try sink.record(event)
        }
        t.clear()
        try sink.record(.runEnd(.init(step: 50, reason: .finished)))
        try sink.close()
        guard case .evaluation(let e) = run.evaluation(50) else { return }
        let top1 = String(format: "%.2f%%", Double(e.topK[1] ?? 0) * 100)
        #expect(t.all == ["\rfinished: 50 steps in 0:01:02; best top1 \(top1) at step 50\(eraseToEnd)\n"])
    }

    @Test func closingWithAProgressLineShownEndsIt() throws {
        let t = FakeTerminal()
        let sink = t.sink(isTerminal: true)
        try sink.record(SampleRun().start)
        try sink.record(SampleRun().train(1))
        t.clear()
        try sink.close()
        try sink.close()
        #expect(t.all == ["\n"])
    }

    @Test func aNonFiniteLossEndsWithTheHeadsThatWentBad() throws {
        let t = FakeTerminal()
        let sink = t.sink(isTerminal: false)
        try sink.record(SampleRun().start)
        guard case .trainStep(var s) = SampleRun().train(7) else { return }
        s.totalLoss = .nan
        s.losses[0].value = .infinity
        try sink.record(.trainStep(s))
        t.advance(3)
        t.clear()
        try sink.record(.runEnd(.init(step: 7, reason: .nonFiniteLoss)))
        #expect(t.all == ["stopped at step 7/300 after 0:00:03: the loss is not finite (loss nan, main inf)\n"])
    }

    @Test func withoutATerminalPlainLinesComeEveryNStepsWithEverything() throws {
        let run = SampleRun(totalSteps: 300, heads: ["main", "aux1"])
        let t = FakeTerminal()
        let sink = t.sink(isTerminal: false, columns: 30, options: .init(plainEverySteps: 100, plainEverySeconds: 10))
        try sink.record(run.start)
        for event in run.events() {
            t.advance(0.01)
            try sink.record(event)
        }
        try sink.record(.runEnd(.init(step: 300, reason: .finished)))
        try sink.close()
        let out = t.all
        #expect(out.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") && !$0.contains("\u{1B}") })
        let progress = out.filter { $0.hasPrefix("epoch ") }
        #expect(progress.map { $0.components(separatedBy: "  ")[1] } == ["step 1/300", "step 100/300", "step 200/300", "step 300/300"])
        // Not cut to the (narrow) width: every field is there.
        for line in progress {
            for field in ["loss ", "(main ", " aux1 ", "lr ", " img/s", "elapsed ", " left\n"] {
                #expect(line.contains(field), "\(field) in \(line)")
            }
        }
        #expect(out.filter { $0.hasPrefix("eval at step ") }.count == 12)
        #expect(out.last?.hasPrefix("finished: 300 steps in 0:00:03") == true)
    }

    @Test func withoutATerminalALineComesEveryTenSecondsOfSlowSteps() throws {
        let run = SampleRun(totalSteps: 100)
        let t = FakeTerminal()
        let sink = t.sink(isTerminal: false, options: .init(plainEverySteps: 1000, plainEverySeconds: 10))
        try sink.record(run.start)
        t.clear()
        for step in 1 ... 35 {
            t.advance(1)
            try sink.record(run.train(step))
        }
        #expect(t.all.map { $0.components(separatedBy: "  ")[1] } == ["step 1/100", "step 11/100", "step 21/100", "step 31/100"])
    }

    @Test func theTimeLeftComesFromTheMeanStepTimeAfterTheFirstStep() throws {
        let run = SampleRun(totalSteps: 100)
        let t = FakeTerminal()
        let sink = t.sink(isTerminal: false, options: .init(plainEverySteps: 10))
        try sink.record(run.start)
        t.advance(30)   // a slow first step: warm-up, not counted
        try sink.record(run.train(1))
        for step in 2 ... 10 {
            t.advance(2)
            try sink.record(run.train(step))
        }
        let first = try #require(t.all.dropFirst().first), tenth = try #require(t.all.last)
        #expect(first.hasSuffix("-:--:-- left\n"))
        #expect(tenth.hasSuffix("elapsed 0:00:48  0:03:00 left\n"), "\(tenth)")
    }

    @Test func theWidthComesFromCOLUMNSThenTheTerminalThen80() throws {
        let devNull = open("/dev/null", O_RDONLY)
        defer { close(devNull) }
        #expect(TerminalWidth.columns(of: devNull, environment: ["COLUMNS": "57"]) == 57)
        #expect(TerminalWidth.columns(of: devNull, environment: ["COLUMNS": "wide"]) == 80)
        #expect(TerminalWidth.columns(of: devNull, environment: ["COLUMNS": "0"]) == 80)
        #expect(TerminalWidth.columns(of: devNull, environment: [:]) == 80)
    }

    @Test(arguments: [(0.0, "0:00:00"), (59.4, "0:00:59"), (61, "0:01:01"), (3600 * 27 + 62, "27:01:02"), (.infinity, "-:--:--")])
    func timesAreHoursMinutesSeconds(seconds: Double, text: String) {
        #expect(MetricsTerminalSink.clockTime(seconds) == text)
    }
}
