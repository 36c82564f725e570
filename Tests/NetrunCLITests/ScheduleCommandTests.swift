import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import _NetrunTestSupport
@testable import NetrunCLI

/// `netrun schedule`: the milestone table, the warnings, the SVG curve, the example count.
@Suite struct ScheduleCommandTests {
    static let model = """
    model:
      input: [1, 4, 4]
      classes: 2
      layers:
        - dense: {name: fc, out: 2}
        - loss: {name: loss}

    """

    /// Runs `netrun schedule` on a config with this `train:` (and `eval:`) text, in a fresh directory.
    static func run(_ sections: String, _ extra: [String] = [], files: [String: [UInt8]] = [:],
                    inspect: (String) throws -> Void = { _ in }) throws -> (code: Int32, out: String, err: String) {
        try withTemporaryDirectory { dir in
            try (model + sections).write(toFile: "\(dir)/c.yaml", atomically: true, encoding: .utf8)
            for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(name)")) }
            let (code, console) = Netrun.run(["schedule", "\(dir)/c.yaml"] + extra.map { $0.replacingOccurrences(of: "$DIR", with: dir) })
            try inspect(dir)
            return (code, console.out, console.err.replacingOccurrences(of: dir, with: "$DIR"))
        }
    }

    @Test func theTableShowsWarmupEachDropAndTheLastStep() throws {
        let r = try Self.run("""
        train:
          epochs: 10
          batch: 10
          optimizer: {type: sgd, lr: 0.1, momentum: 0.9}
          schedule: {policy: multistep, factor: 0.1, at: [3 epochs, 6 epochs], warmup: {length: 1 epoch, start_factor: 0.25}}
          data: {format: synthetic, samples: 105}

        """)
        #expect(r.code == 0 && r.err.isEmpty, "\(r.err)")
        #expect(r.out == """
        c: sgd, lr 0.1, momentum 0.9; 100 steps (10 per epoch: 105 examples, batch 10)
        schedule: linear warmup from 0.25 × lr over 10 steps, then multistep, ×0.1 at steps 40, 70

          step  epoch   rate  note
             0   0.00  0.025  start of warmup (×0.25)
            10   1.00    0.1  warmup ends
            40   4.00   0.01  ×0.1
            70   7.00  0.001  ×0.1
            99   9.90  0.001  last step

        """)
    }

    @Test(arguments: [
        ("schedule: {policy: multistep, factor: 0.5, at: [2 epochs, 30 epochs]}",
         "$DIR/c.yaml:8:3: warning: milestone 30 epochs (step 300) is past the end of the run (100 steps); it never applies"),
        ("schedule: {policy: step, factor: 0.5, every: 12 epochs}",
         "$DIR/c.yaml:8:3: warning: the decay period (12 epochs = 120 steps) is not shorter than the run after warmup (100 steps): the rate never decays"),
        ("schedule: {policy: fixed, warmup: {length: 200 steps}}",
         "$DIR/c.yaml:8:3: warning: the warmup (200 steps) is not shorter than the run (100 steps): the rate never reaches lr"),
        ("schedule: {policy: step, factor: 0, every: 50 steps}",
         "$DIR/c.yaml:8:3: warning: the rate reaches 0 at step 50 (epoch 5.00), 50 steps before the end: those steps change nothing"),
        ("schedule: {policy: plateau, monitor: val_loss, factor: 0.5, patience: 3}\neval: {data: {format: synthetic}, every: 3 epochs}",
         "$DIR/c.yaml:8:3: warning: the plateau schedule can never lower the rate: 3 evaluations (every 3 epochs) in the run, and a drop needs at least 5 (patience 3 + 2)"),
    ])
    func schedulesThatCannotDoWhatTheySayAreWarnedAbout(schedule: String, warning: String) throws {
        let r = try Self.run("""
        train:
          epochs: 10
          batch: 10
          optimizer: {type: sgd, lr: 0.1}
          data: {format: synthetic, samples: 100}
          \(schedule.replacingOccurrences(of: "\neval", with: "\neval"))

        """.replacingOccurrences(of: "  eval:", with: "eval:"))
        #expect(r.code == 0)
        #expect(r.err == warning + "\n")
    }

    @Test func aHealthyPlateauScheduleHasNoWarning() throws {
        let r = try Self.run("""
        train:
          epochs: 10
          batch: 10
          optimizer: {type: sgd, lr: 0.1}
          data: {format: synthetic, samples: 100}
          schedule: {policy: plateau, monitor: val_top1, factor: 0.5, patience: 2}
        eval: {data: {format: synthetic}}

        """)
        #expect(r.code == 0 && r.err.isEmpty, "\(r.err)")
        #expect(r.out.contains("plateau on val_top1 (max): ×0.5 after 3 evaluations without improvement, floor 0 (drops not shown)"))
    }

    @Test func theSVGIsWellFormedAndItsCurvePassesThroughTheRates() throws {
        var svg = ""
        let r = try Self.run("""
        train:
          steps: 500
          batch: 10
          optimizer: {type: adam, lr: 0.002}
          schedule: {policy: cosine, min_lr: 0.0002, warmup: {length: 50 steps, start_factor: 0.1}}
          data: {format: synthetic, samples: 100}

        """, ["--svg", "$DIR/lr.svg"]) { dir in svg = try String(contentsOfFile: "\(dir)/lr.svg", encoding: .utf8) }
        #expect(r.code == 0, "\(r.err)")
        let doc = try XMLDocument(data: Data(svg.utf8))
        let root = try #require(doc.rootElement())
        #expect(root.name == "svg")
        let texts = (try doc.nodes(forXPath: "//*[local-name()='text']")).compactMap(\.stringValue)
        #expect(texts.contains("learning rate") && texts.contains("step (10 per epoch, 500 in all)") && texts.contains("warmup ends"))
        #expect(texts.contains("0.002") && texts.contains("0") && texts.contains("400"))
        let line = try #require((try doc.nodes(forXPath: "//*[local-name()='polyline']")).first as? XMLElement)
        func attribute(_ name: String) -> String? { line.attributes?.first { $0.name == name || $0.localName == name }?.stringValue }
        #expect(attribute("id") == "rate", "\(line.attributes?.map { $0.name ?? "?" } ?? [])")
        let points = try #require(attribute("points")).split(separator: " ").map { p in
            p.split(separator: ",").compactMap { Double($0) }
        }
        #expect(points.count > 400)
        // Invert the plot's mapping (80 px left margin, 696 px wide; 48 px top, 316 px high,
        // rates up to 0.002) and compare with the schedule: warmup from 0.0002, cosine to 0.0002.
        var worst = 0.0
        for p in points {
            try #require(p.count == 2)
            let step = ((p[0] - 80) / 696 * 499).rounded()
            let rate = (1 - (p[1] - 48) / 316) * 0.002
            let expected = step < 50 ? 0.002 * (0.1 + 0.9 * step / 50)
                : 0.0002 + (0.002 - 0.0002) * (1 + cos(Double.pi * (step - 50) / 450)) / 2
            worst = max(worst, abs(rate - expected) / 0.002 * 316)   // in pixels
        }
        #expect(worst < 0.02, "worst distance \(worst) px")
    }

    /// Steps per epoch come from the data as `netrun train` opens it (NetrunData).
    @Test func theExampleCountComesFromTheData() throws {
        let r = try Self.run("""
        train:
          epochs: 2
          batch: 128
          optimizer: {type: sgd, lr: 0.1}
          data: {format: synthetic, samples: 60000}

        """)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("c: sgd, lr 0.1, momentum 0; 936 steps (468 per epoch: 60000 examples, batch 128)\n"))
    }

    @Test func examplesOverrideTheDataAndUnreadableDataIsNamed() throws {
        let train = """
        train:
          epochs: 2
          batch: 8
          optimizer: {type: sgd, lr: 0.1}
          data: {format: folder, root: images}

        """
        let missing = try Self.run(train)
        #expect(missing.code == 2)
        #expect(missing.err.hasSuffix("images: error: no such directory\n"), "\(missing.err)")
        let given = try Self.run(train, ["--examples", "100"])
        #expect(given.code == 0 && given.out.contains("24 steps (12 per epoch: 100 examples, batch 8)"))
        let zero = try Self.run(train, ["--examples", "0"])
        #expect(zero.code == 2 && zero.err.contains("--examples must be at least 1 (got 0)"))
        let few = try Self.run(train, ["--examples", "7"])
        #expect(few.code == 1)
        #expect(few.err == "$DIR/c.yaml:8:3: error: the run is given in epochs, but an epoch has no steps (fewer examples than a batch)\n")
        let notIDX = try Self.run(train.replacingOccurrences(of: "folder, root: images", with: "idx, images: x, labels: y"), files: ["x": [1, 2, 3, 4, 5, 6, 7, 8]])
        #expect(notIDX.code == 2 && notIDX.err.contains("x: error: not an IDX file"), "\(notIDX.err)")
    }
}
