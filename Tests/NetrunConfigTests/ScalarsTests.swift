import Testing
@testable import NetrunConfig

/// The shared value rules of Decoding/Scalars.swift, seen through whole configs: float32
/// range, bounds on counts, paths, null.
@Suite struct ScalarsTests {
    /// Every error as "line:col message", in position order.
    private func errors(_ text: String, overrides: [String] = []) -> [String] {
        ConfigLoader.load(text: text, file: "t.yaml", overrides: overrides).diagnostics.sorted
            .filter { $0.severity == .error }
            .map { "\($0.location.line):\($0.location.column) \($0.message)" }
    }

    private func null(_ key: String) -> String {
        "null is not a value for '\(key)': give a value, or leave the key out for its default"
    }

    /// tinyModel (lines 1-7) with a train section using every count, and an eval section.
    private let counted = tinyModel + """

    train:
      epochs: 3
      batch: 4
      optimizer: {type: sgd, lr: 0.1}
      schedule: {policy: plateau, monitor: train_loss, factor: 0.1, patience: 2}
      data: {format: synthetic, samples: 64}
      checkpoint: {dir: runs/t, every: 1 epoch, keep: 3}
    eval:
      data: {format: synthetic}
      batch: 10
      every: 1 epoch
    """

    // MARK: - renames

    @Test func trainingSettingsHaveConfigTypesThatLeaveSwiftsDurationAlone() throws {
        // `Duration` is Swift's again, not shadowed by the config's.
        let swiftDuration: Duration = .seconds(2)
        #expect(swiftDuration.components.seconds == 2)

        let r = ConfigLoader.load(text: counted, file: "t.yaml")
        let train = try #require(r.config?.train, "\(r.diagnostics.all)")
        let optimizer: OptimizerConfig = train.optimizer
        #expect(optimizer.lr.value == 0.1)
        let schedule: ScheduleConfig = train.schedule
        #expect(schedule.policy == .plateau(factor: 0.1, monitor: MonitorConfig.trainLoss, patience: 2, threshold: 1e-4, minLR: 0))
        let checkpoint: CheckpointConfig = train.checkpoint
        #expect(checkpoint.every == DurationConfig(1, .epochs))
        #expect(checkpoint.keep == 3)
        #expect(r.config?.eval?.every == DurationConfig(1, .epochs))
    }

    // MARK: - float32

    @Test func aNumberBeyondFloat32OrNotFiniteIsAnErrorAtTheValue() {
        let text = tinyModel + """

        train:
          epochs: 3
          batch: 4
          optimizer: {type: sgd, lr: 1e39, momentum: .nan}
          data: {format: synthetic, scale: -.inf}
        """
        #expect(errors(text) == [
            "11:30 1e39 is beyond float32's range (about 3.4e38)",
            "11:46 expected a momentum, found .nan, which is not a finite number",
            "12:36 expected a scale, found -.inf, which is not a finite number",
        ])
    }

    @Test func fillerAndLayerNumbersAreCheckedAgainstFloat32Too() {
        let text = """
        model:
          input: [1, 8, 8]
          classes: 4
          init: {weight: {constant: 1e308}, bias: {gaussian: 1e-50}}
          layers:
            - conv: {name: c1, out: 4, kernel: 3, pad: 1, act: relu}
            - batchnorm: {eps: 1e-46}
            - dense: {name: fc, out: 4}
            - loss: {name: loss}
        """
        #expect(errors(text) == [
            "4:29 1e308 is beyond float32's range (about 3.4e38)",
            "4:54 1e-50 is too small for float32, where it would be 0 (the smallest is about 1.4e-45)",
            "7:24 1e-46 is too small for float32, where it would be 0 (the smallest is about 1.4e-45)",
        ])
    }

    @Test func numbersNearFloat32sLimitsAreAccepted() throws {
        let text = tinyModel.replacingOccurrences(of: "- dense: {name: fc, out: 4}", with: "- dense: {name: fc, out: 4, init: {weight: {constant: 3.4e38}, bias: {constant: -1e-45}}}")
        let r = ConfigLoader.load(text: text, file: "t.yaml")
        let fc = try #require(r.config?.model.layers[1], "\(r.diagnostics.all)")
        #expect(fc.initializer.weight?.value == .constant(3.4e38))
        #expect(fc.initializer.bias?.value == .constant(-1e-45))
    }

    /// A constant filler written as a bare number (`weight: 1e308`) goes through `Reader.double`
    /// too: beyond float32, and `.nan`/`.inf` (which Swift's `Double(text)` would take), are errors.
    @Test func theConstantFillerShortcutIsCheckedAgainstFloat32() {
        let text = tinyModel.replacingOccurrences(of: "classes: 4", with: "classes: 4\n  init: {weight: 1e308}")
        #expect(errors(text) == ["4:18 1e308 is beyond float32's range (about 3.4e38)"])
        for special in [".nan", ".inf", "-.inf"] {
            let bad = tinyModel.replacingOccurrences(of: "classes: 4", with: "classes: 4\n  init: {weight: \(special)}")
            #expect(errors(bad).count == 1, "\(special)")
        }
    }

    // MARK: - bounds

    @Test func theCountedConfigLoads() {
        #expect(errors(counted) == [])
    }

    @Test(arguments: [
        ("batch: 4", "batch: 9223372036854775807", "10:10 expected a batch size of at most 65536, found 9223372036854775807"),
        ("batch: 4", "batch: 65537", "10:10 expected a batch size of at most 65536, found 65537"),
        ("batch: 4", "batch: 99999999999999999999", "10:10 expected a batch size of at most 65536, found 99999999999999999999"),
        ("epochs: 3", "epochs: 1000001", "9:11 expected an epoch count of at most 1000000, found 1000001"),
        ("epochs: 3", "steps: 1000000001", "9:10 expected a step count of at most 1000000000, found 1000000001"),
        ("patience: 2", "patience: 10001", "12:75 expected a patience of at most 10000, found 10001"),
        ("samples: 64", "samples: 100000001", "13:38 expected a sample count of at most 100000000, found 100000001"),
        ("keep: 3", "keep: 10001", "14:51 expected a count of at most 10000, found 10001"),
        ("every: 1 epoch,", "every: 1000001 epochs,", "14:36 expected a duration of at most 1000000 epochs, found 1000001"),
        ("batch: 10", "batch: 65537", "17:10 expected a batch size of at most 65536, found 65537"),
        ("\n  every: 1 epoch", "\n  every: 1000000001 steps", "18:10 expected a duration of at most 1000000000 steps, found 1000000001"),
    ])
    func aCountAboveItsBoundIsAnErrorNamingTheBound(old: String, new: String, expected: String) {
        let text = counted.replacingOccurrences(of: old, with: new)
        #expect(text != counted)
        #expect(errors(text) == [expected])
    }

    @Test func theBoundsThemselvesAreAccepted() throws {
        let text = counted.replacingOccurrences(of: "batch: 4", with: "batch: 65536")
            .replacingOccurrences(of: "epochs: 3", with: "epochs: 1000000")
            .replacingOccurrences(of: "keep: 3", with: "keep: 10000")
        let r = ConfigLoader.load(text: text, file: "t.yaml")
        let train = try #require(r.config?.train, "\(r.diagnostics.all)")
        #expect(train.batch.value == Limits.batch)
        #expect(train.length.value == DurationConfig(Limits.epochs, .epochs))
        #expect(train.checkpoint.keep == Limits.keep)
    }

    // MARK: - paths

    @Test func aPathThatYAMLReadsAsANumberOrBooleanIsAnError() {
        let text = tinyModel + """

        train:
          epochs: 3
          batch: 4
          optimizer: {type: sgd, lr: 0.1}
          data: {format: idx, images: "123", labels: .nan}
          checkpoint: {dir: true}
        """
        #expect(errors(text) == [
            "12:46 expected a path, found the number .nan; quote it if it is a name",
            "13:21 expected a directory, found the boolean true; quote it if it is a name",
        ])
        let folder = text.replacingOccurrences(of: "{format: idx, images: \"123\", labels: .nan}", with: "{format: folder, root: 12}")
        #expect(errors(folder).first == "12:32 expected a path, found the number 12; quote it if it is a name")
        #expect(errors("extends: 3\n" + tinyModel) == ["1:10 expected the path of a config file, found the number 3; quote it if it is a name"])
    }

    @Test func aQuotedNumberIsAPath() throws {
        let text = tinyModel + """

        train:
          epochs: 3
          batch: 4
          optimizer: {type: sgd, lr: 0.1}
          data: {format: idx, images: "123", labels: '.nan'}
        """
        let r = ConfigLoader.load(text: text, file: "t.yaml")
        let data = try #require(r.config?.train?.data, "\(r.diagnostics.all)")
        guard case .idx(let images, let labels) = data.format else { Issue.record("not idx"); return }
        #expect(images.value == "123")
        #expect(labels.value == ".nan")
    }

    // MARK: - null

    @Test func nullIsRefusedInLayerSettingsAtItsPosition() {
        let text = """
        model:
          input: [1, 8, 8]
          classes: 4
          layers:
            - conv: {name: c1, out: 4, kernel: 3, stride: ~, act: null}
            - dense: {name: fc, out: ~}
            - loss: {name: loss, train_only: ~}
        """
        // One error each: a required key given null is not also reported missing.
        #expect(errors(text) == ["5:51 " + null("stride"), "5:59 " + null("act"), "6:30 " + null("out"), "7:38 " + null("train_only")])
    }

    @Test func nullIsRefusedInBlockInstancesInitAndNames() {
        let text = """
        model:
          input: [1, 8, 8]
          classes: 4
          init: {weight: ~}
          blocks:
            one:
              params: {n: 4}
              layers:
                - conv: {out: $n, kernel: 1}
          layers:
            - one: {name: o, n: ~, from: ~}
            - loss: {name: ~}
        """
        #expect(errors(text) == ["4:18 " + null("weight"), "11:25 " + null("n"), "11:34 " + null("from"), "12:20 " + null("name")])
    }

    @Test func nullIsRefusedInTheTrainingSectionAndInOverrides() throws {
        let text = tinyModel + """

        train:
          epochs: 3
          batch: 4
          optimizer: {type: sgd, lr: ~}
          data: {format: synthetic}
        """
        #expect(errors(text) == ["11:30 " + null("lr")])

        let r = ConfigLoader.load(text: tinyModel, file: "t.yaml", overrides: ["model.layers.c1.stride=~"])
        let d = try #require(r.firstError)
        #expect(d.message == null("stride"))
        #expect(d.location == .override("model.layers.c1.stride=~", column: 24))
    }

    @Test func anOpWithNoSettingsIsStillWrittenWithNothingAfterTheColon() throws {
        let text = tinyModel.replacingOccurrences(of: "- dense:", with: "- flatten:\n    - dense:")
        let r = ConfigLoader.load(text: text, file: "t.yaml")
        let config = try #require(r.config, "\(r.diagnostics.all)")
        #expect(config.model.layers.map(\.name.value) == ["c1", "flatten_1", "fc", "loss"])
    }
}
