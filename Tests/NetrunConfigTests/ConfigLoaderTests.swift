import Foundation
import Testing
@testable import NetrunConfig

@Suite struct ConfigLoaderTests {
    @Test func aSmallModelLoadsWithItsLayersInOrder() throws {
        let r = ConfigLoader.load(text: tinyModel, file: "t.yaml")
        let config = try #require(r.config)
        #expect(config.model.layers.map(\.name.value) == ["c1", "fc", "loss"])
        #expect(config.model.input.value == [1, 8, 8])
        guard case .conv(let c) = config.model.layers[0].op else { Issue.record("not a conv"); return }
        #expect(c.pad.value == Size2(square: 1))
        #expect(c.activation == .relu)
        #expect(config.name == "t")
    }

    @Test func aMisspelledKeyIsReportedAtTheKeyWithASuggestion() throws {
        let r = ConfigLoader.load(text: """
        model:
          input: [3, 32, 32]
          classes: 10
          layers:
            - conv: {name: c1, out: 8, kernel: 3, strid: 2}
            - loss
        """, file: "t.yaml")
        let d = try #require(r.firstError)
        #expect(d.message == "unknown key 'strid' in conv layer 'c1'; did you mean 'stride'?")
        #expect(d.location == SourceLocation(file: "t.yaml", line: 5, column: 43))
        #expect(r.config == nil)
    }

    @Test func aWrongTypeSaysWhatWasExpectedAndFound() throws {
        let r = ConfigLoader.load(text: """
        model:
          input: [3, 32, 32]
          classes: 10
          layers:
            - conv: {name: c1, out: eight, kernel: 3}
        """, file: "t.yaml")
        let d = try #require(r.firstError)
        #expect(d.message == "expected an output channel count, found 'eight'")
        #expect(d.location == SourceLocation(file: "t.yaml", line: 5, column: 29))
    }

    @Test func aQuotedNumberIsAStringNotANumber() throws {
        let r = ConfigLoader.load(text: tinyModel + "\ntrain: {epochs: \"3\", batch: 2, optimizer: {type: sgd, lr: 0.1}, data: {format: synthetic}}\n", file: "t.yaml")
        let d = try #require(r.firstError)
        #expect(d.message == "expected an epoch count, found the string '3'")
        #expect(d.location.line == 8)
    }

    @Test func everyErrorOfAFileIsReportedInOnePass() throws {
        let r = ConfigLoader.load(text: """
        model:
          input: [3, 32, 32]
          clases: 10
          layers:
            - conv: {name: c1, out: -1, kernel: 3}
            - maxpol: {kernel: 2}
            - lrn: {size: 5, alpha: 1, beta: 0.75}
        """, file: "t.yaml")
        let messages = r.diagnostics.errors.map(\.message)
        #expect(messages.contains("unknown key 'clases' in model; did you mean 'classes'?"))
        #expect(messages.contains("expected an output channel count of at least 1, found -1"))
        #expect(messages.contains("unknown op 'maxpol'; did you mean 'maxpool'?"))
        #expect(messages.contains { $0.hasPrefix("lrn needs 'alpha_form'") })
        // The misspelled 'clases' already explains the missing 'classes'.
        #expect(!messages.contains("model needs 'classes'"))
        #expect(messages.count == 4)
    }

    @Test func aLayerWithItsSettingsBadlyIndentedIsExplained() throws {
        let r = ConfigLoader.load(text: """
        model:
          input: [3, 32, 32]
          classes: 10
          layers:
            - conv:
              out: 8
              kernel: 3
        """, file: "t.yaml")
        let d = try #require(r.firstError)
        #expect(d.message.contains("this entry has the keys 'conv', 'out', 'kernel': indent the settings under the op"))
        #expect(d.location == SourceLocation(file: "t.yaml", line: 5, column: 7))
    }

    @Test func anErrorInsideABlockInstancePointsAtTheTemplateAndTheUse() throws {
        let r = ConfigLoader.load(text: """
        model:
          input: [3, 32, 32]
          classes: 10
          blocks:
            pair:
              params: [n]
              layers:
                - conv: {name: a, out: $n, kernel: 3, pad: 1, grops: 2}
                - conv: {name: b, out: $n, kernel: 1}
          layers:
            - pair: {name: p1, n: 8}
            - pair: {name: p2, n: 16}
            - loss
        """, file: "t.yaml")
        let errors = r.diagnostics.errors
        // One template line, used twice: reported once per instance.
        #expect(errors.count == 2)
        let d = try #require(errors.first)
        #expect(d.message == "unknown key 'grops' in conv layer 'p1/a'; did you mean 'groups'?")
        #expect(d.location == SourceLocation(file: "t.yaml", line: 8, column: 55))
        #expect(d.notes.first?.message == "in 'p1', an instance of block 'pair'")
        #expect(d.notes.first?.location == SourceLocation(file: "t.yaml", line: 11, column: 7))
    }

    @Test func blockInstancesPrefixNamesAndWireTheirInput() throws {
        let r = ConfigLoader.load(text: """
        model:
          input: [3, 32, 32]
          classes: 10
          blocks:
            split:
              params: {n: 4}
              layers:
                - conv: {name: a, out: $n, kernel: 1}
                - conv: {name: b, from: input, out: $n, kernel: 1}
                - concat: {from: [a, b]}
          layers:
            - conv: {name: stem, out: 8, kernel: 3}
            - split: {name: s1}
            - split: {name: s2, n: 6}
            - loss: {from: stem}
        """, file: "t.yaml")
        let config = try #require(r.config, "\(r.diagnostics.all)")
        let layers = config.model.layers
        #expect(layers.map(\.name.value) == ["stem", "s1/a", "s1/b", "s1", "s2/a", "s2/b", "s2", "loss_1"])
        #expect(layers[1].inputs.map(\.value) == ["stem"])
        #expect(layers[2].inputs.map(\.value) == ["stem"])
        #expect(layers[3].inputs.map(\.value) == ["s1/a", "s1/b"])
        #expect(layers[4].inputs.map(\.value) == ["s1"])
        guard case .conv(let c) = layers[5].op else { Issue.record("not a conv"); return }
        #expect(c.out.value == 6)
        // The argument keeps the position where it was written (the use site).
        #expect(c.out.location.line == 14)
        #expect(layers[5].instances.map(\.name) == ["s2"])
    }

    @Test func aMissingOrUnknownBlockParameterIsReportedAtTheUse() throws {
        let r = ConfigLoader.load(text: """
        model:
          input: [3, 32, 32]
          classes: 10
          blocks:
            pair:
              params: [n, m]
              layers:
                - conv: {out: $n, kernel: 1}
                - conv: {out: $m, kernel: 1}
          layers:
            - pair: {name: p1, n: 8, mm: 3}
        """, file: "t.yaml")
        let messages = r.diagnostics.errors.map { "\($0.location.line):\($0.location.column) \($0.message)" }
        #expect(messages.contains("11:30 block 'pair' has no parameter 'mm'; did you mean 'm'?"))
        #expect(messages.contains("11:7 instance 'p1' of block 'pair' needs 'm' (parameters: n, m)"))
    }

    @Test func anUnknownDollarParameterIsReportedInTheTemplate() throws {
        let r = ConfigLoader.load(text: """
        model:
          input: [3, 32, 32]
          classes: 10
          blocks:
            one:
              params: [width]
              layers:
                - conv: {out: $widht, kernel: 1}
          layers:
            - one: {name: o, width: 4}
        """, file: "t.yaml")
        let d = try #require(r.firstError)
        #expect(d.message == "unknown parameter '$widht' of block 'one'; did you mean 'width'?")
        #expect(d.location == SourceLocation(file: "t.yaml", line: 8, column: 23))
    }

    @Test func aBlockThatUsesItselfIsRefused() throws {
        let r = ConfigLoader.load(text: """
        model:
          input: [3, 32, 32]
          classes: 10
          blocks:
            loop:
              layers:
                - loop: {name: again}
          layers:
            - loop: {name: l}
        """, file: "t.yaml")
        #expect(r.firstError?.message.contains("block 'loop' uses itself") == true)
    }

    @Test func anOverrideIsCheckedLikeAFileValueAndNamedInErrors() throws {
        let ok = ConfigLoader.load(text: tinyModel, file: "t.yaml", overrides: ["model.layers.c1.out=16", "model.classes=4"])
        let config = try #require(ok.config)
        guard case .conv(let c) = config.model.layers[0].op else { Issue.record("not a conv"); return }
        #expect(c.out.value == 16)
        #expect(c.out.location == .override("model.layers.c1.out=16", column: 21))

        let bad = ConfigLoader.load(text: tinyModel, file: "t.yaml", overrides: ["model.layers.c1.out=many"])
        let d = try #require(bad.firstError)
        #expect(d.message == "expected an output channel count, found 'many'")
        #expect(d.location.file == "--set model.layers.c1.out=many")
        #expect(d.location.column == 21)
    }

    @Test func anOverrideOfAnUnknownKeyOrLayerIsAnError() throws {
        let typo = ConfigLoader.load(text: tinyModel, file: "t.yaml", overrides: ["model.clases=3"])
        #expect(typo.firstError?.message == "unknown key 'clases' in model; did you mean 'classes'?")
        #expect(typo.firstError?.location.isOverride == true)

        let layer = ConfigLoader.load(text: tinyModel, file: "t.yaml", overrides: ["model.layers.c2.out=3"])
        #expect(layer.firstError?.message == "no entry named 'c2' in 'model.layers'; did you mean 'c1'?")

        let malformed = ConfigLoader.load(text: tinyModel, file: "t.yaml", overrides: ["model.classes"])
        #expect(malformed.firstError?.message == "an override is written key.path=value")

        let scalar = ConfigLoader.load(text: tinyModel, file: "t.yaml", overrides: ["model.classes.x=3"])
        #expect(scalar.firstError?.message == "'model.classes' is a value, not a section; cannot set 'model.classes.x'")
    }

    @Test func extendsLaysTheFileOverItsBase() throws {
        let dir = try temporaryDirectory([
            "base.yaml": tinyModel + "\ntrain: {epochs: 3, batch: 8, optimizer: {type: sgd, lr: 0.1, momentum: 0.9}, data: {format: synthetic}}\n",
            "child.yaml": "extends: base.yaml\nname: child\ntrain: {batch: 16, optimizer: {lr: 0.05}}\n",
        ])
        let r = ConfigLoader.load(file: dir + "/child.yaml")
        let config = try #require(r.config, "\(r.diagnostics.all)")
        #expect(config.name == "child")
        #expect(config.train?.batch.value == 16)
        #expect(config.train?.batch.location.file == dir + "/child.yaml")
        #expect(config.train?.length.value == DurationConfig(3, .epochs))
        guard let optimizer = config.train?.optimizer, case .sgd(let momentum, _) = optimizer.algorithm else { Issue.record("not sgd"); return }
        #expect(optimizer.lr.value == 0.05)
        #expect(momentum == 0.9)
    }

    @Test func extendsInACycleOrToAMissingFileIsAnError() throws {
        let dir = try temporaryDirectory([
            "a.yaml": "extends: b.yaml\n",
            "b.yaml": "extends: a.yaml\n",
            "c.yaml": "extends: nothere.yaml\n",
        ])
        let cycle = ConfigLoader.load(file: dir + "/a.yaml")
        #expect(cycle.firstError?.message.contains("extends itself") == true)
        #expect(cycle.firstError?.location.line == 1)
        let missing = ConfigLoader.load(file: dir + "/c.yaml")
        #expect(missing.diagnostics.errors.contains { $0.message.hasPrefix("cannot read 'nothere.yaml'") && $0.location == SourceLocation(file: dir + "/c.yaml", line: 1, column: 10) })
    }

    @Test func theTrainingSectionIsCheckedToo() throws {
        let r = ConfigLoader.load(text: tinyModel + """

        train:
          epochs: 3
          batch: 0
          optimizer: {type: sgdd, lr: 0.1}
          schedule: {policy: step, factor: 0.1, every: 3 weeks}
          data: {format: synthetic}
          augment:
            - random_crop: {size: 10}
            - flip
        """, file: "t.yaml")
        let messages = r.diagnostics.errors.map(\.message)
        #expect(messages.contains("expected a batch size of at least 1, found 0"))
        #expect(messages.contains("unknown optimizer 'sgdd'; did you mean 'sgd'? (one of: sgd, adam)"))
        #expect(messages.contains("unknown unit 'weeks'; write '3 epochs' or '3 steps'"))
        #expect(messages.contains("unknown augmentation 'flip' (one of: random_crop, mirror, pca_color, random_erasing, mixup, cutmix)"))
    }

    /// The mistakes of the recipe settings, each at its position: a warmup with one_cycle,
    /// momenta one_cycle does not use, a batch accumulate does not divide, mixup given twice.
    @Test func recipeSettingsThatCannotWorkAreNamedWhereTheyAreWritten() throws {
        let r = ConfigLoader.load(text: tinyModel + """

        train:
          epochs: 3
          batch: 10
          accumulate: 4
          optimizer: {type: sgd, lr: 0.1, lookahead: {k: 0}}
          schedule: {policy: one_cycle, cycle_momentum: false, max_momentum: 0.9, warmup: {length: 2 steps}}
          data: {format: synthetic}
          augment: [{mixup: {alpha: 0.2}}, {mixup: {alpha: 0.4}}]
        """, file: "t.yaml")
        let all = r.diagnostics.all.map(\.description)
        for expected in [
            "t.yaml:11:15: error: accumulate: 4 does not divide train.batch 10",
            "t.yaml:12:50: error: expected a step count of at least 1, found 0",
            "t.yaml:13:70: warning: max_momentum has no effect with cycle_momentum: false",
            "t.yaml:13:83: error: one_cycle rises from lr / div_factor by itself (pct_start); remove the warmup",
            "t.yaml:15:36: error: mixup is given twice; a step's batch is mixed once",
        ] {
            #expect(all.contains { $0.hasPrefix(expected) }, "\(expected) not in \(all)")
        }
    }

    @Test func aCropThatDoesNotMatchTheInputIsAnError() throws {
        let r = ConfigLoader.load(text: tinyModel + """

        train:
          epochs: 3
          batch: 4
          optimizer: {type: sgd, lr: 0.1}
          data: {format: synthetic}
          augment: [{random_crop: {size: 10}}]
        """, file: "t.yaml")
        let d = try #require(r.firstError)
        #expect(d.message == "random_crop size 10 does not match the model's input 8x8")
        #expect(d.location.line == 13)
    }

    @Test func everyScheduleAndOptimizerDecodes() throws {
        let schedules = [
            "{policy: fixed}", "{policy: step, factor: 0.5, every: 2}", "{policy: multistep, factor: 0.1, at: [3, 6]}",
            "{policy: exponential, factor: 0.96, every: 8 epochs, staircase: true}", "{policy: poly, power: 0.5}",
            "{policy: cosine, min_lr: 0.001, warmup: {length: 100 steps, start_factor: 0.1}}",
            "{policy: plateau, monitor: train_loss, factor: 0.1, patience: 3}",
        ]
        for s in schedules {
            let text = tinyModel + "\ntrain: {epochs: 9, batch: 4, optimizer: {type: adam, lr: 0.001, betas: [0.9, 0.99]}, schedule: \(s), data: {format: synthetic}, averaging: {type: ema, decay: 0.999}}\n"
            let r = ConfigLoader.load(text: text, file: "t.yaml")
            #expect(r.config?.train != nil, "\(s): \(r.diagnostics.all)")
        }
        let r = ConfigLoader.load(text: tinyModel + "\ntrain: {epochs: 9, batch: 4, optimizer: {type: sgd, lr: 0.1}, schedule: {policy: exponential, factor: 0.96, every: 8 epochs, staircase: true}, data: {format: synthetic}}\n", file: "t.yaml")
        #expect(r.config?.train?.schedule.policy == .exponential(factor: 0.96, every: DurationConfig(8, .epochs), staircase: true))
    }

    @Test func yesAndNoAreRefusedAsBooleans() throws {
        let r = ConfigLoader.load(text: tinyModel.replacingOccurrences(of: "kernel: 3, pad: 1", with: "kernel: 3, pad: 1, bias: no"), file: "t.yaml")
        #expect(r.firstError?.message == "expected true or false, found 'no'; write 'false' (YAML 1.1 readers disagree on 'no')")
    }

    @Test func fillersDecodeInEveryForm() throws {
        var reader = Reader()
        func filler(_ text: String) throws -> Filler? {
            let node = try YAMLReader.parse("f: \(text)", file: "t.yaml")
            return node["f"].flatMap { reader.filler($0)?.value }
        }
        #expect(try filler("0.1") == .constant(0.1))
        #expect(try filler("xavier") == .xavier(fan: .avg, distribution: .uniform))
        #expect(try filler("msra") == .msra(fan: .in, distribution: .normal))
        #expect(try filler("{gaussian: 0.01}") == .gaussian(mean: 0, std: 0.01))
        #expect(try filler("{uniform: [-1, 2]}") == .uniform(low: -1, high: 2))
        #expect(try filler("{xavier: {fan: in}}") == .xavier(fan: .in, distribution: .uniform))
        #expect(try filler("{gausian: 0.1}") == nil)
        #expect(reader.diagnostics.errors.last?.message == "unknown filler 'gausian'; did you mean 'gaussian'?")
    }
}
