import Testing
@testable import NetrunConfig

/// `YAMLDiff`: the keys whose values differ between configs, compared as trees.
@Suite struct YAMLDiffTests {
    private func tree(_ yaml: String, _ file: String = "run.yaml") throws -> YAMLNode {
        try YAMLReader.parse(yaml, file: file)
    }

    private func diff(_ yamls: String...) throws -> [YAMLDiff.Difference] {
        YAMLDiff.differences(try yamls.enumerated().map { try tree($0.element, "run\($0.offset).yaml") })
    }

    private static let base = """
    name: small
    model:
      input: [1, 8, 8]
      layers:
        - conv: {name: c1, out: 4, kernel: 3}
        - maxpool: {kernel: 2, stride: 2}
        - flatten
        - dense: {name: fc, out: 4}
        - loss: {top_k: [1, 2]}
    train:
      batch: 8
      optimizer: {type: sgd, lr: 0.05}
      augment:
        - mirror: {p: 0.5}
    """

    @Test func identicalTreesHaveNoDifferencesWhereverTheyWereWritten() throws {
        // The same values in another key order and other layout, with numbers spelled differently.
        let other = """
        model:
          layers: [{conv: {kernel: 3, out: 4, name: c1}}, {maxpool: {stride: 2, kernel: 2}}, flatten,
                   {dense: {name: fc, out: 4}}, {loss: {top_k: [1, 2]}}]
          input: [1, 8, 8]
        name: small
        train: {batch: 8, optimizer: {type: sgd, lr: 5.0e-2}, augment: [{mirror: {p: .5}}]}
        """
        #expect(try diff(Self.base, other).isEmpty)
        #expect(try diff(Self.base, Self.base, Self.base).isEmpty)
    }

    @Test func anInsertedKeyIsOneDifferenceWithItsWholeValue() throws {
        let inserted = Self.base.replacingOccurrences(of: "  batch: 8\n", with: "  batch: 8\n  erase: {p: 0.5, scale: [0.02, 0.33]}\n")
        let d = try diff(Self.base, inserted)
        #expect(d == [.init(path: "train.erase", values: [nil, "{p: 0.5, scale: [0.02, 0.33]}"])])
    }

    @Test func aChangedScalarIsOneDifference() throws {
        let changed = Self.base.replacingOccurrences(of: "lr: 0.05", with: "lr: 0.1")
        #expect(try diff(Self.base, changed) == [.init(path: "train.optimizer.lr", values: ["0.05", "0.1"])])
        // A string against a number of the same text is a change too.
        let quoted = Self.base.replacingOccurrences(of: "batch: 8", with: "batch: \"8\"")
        #expect(try diff(Self.base, quoted) == [.init(path: "train.batch", values: ["8", "\"8\""])])
    }

    @Test func aLayerInsertedInTheMiddleIsOneDifferenceAndTheLayersAfterItAreNotReported() throws {
        let inserted = Self.base.replacingOccurrences(
            of: "    - conv: {name: c1, out: 4, kernel: 3}\n",
            with: "    - conv: {name: c1, out: 4, kernel: 3}\n    - batchnorm: {name: bn}\n")
        #expect(try diff(Self.base, inserted) == [.init(path: "model.layers.bn", values: [nil, "{batchnorm: {name: bn}}"])])
        // An unnamed layer inserted before the other unnamed ones of other ops, and a setting changed further on.
        let both = Self.base
            .replacingOccurrences(of: "    - maxpool:", with: "    - dropout: {rate: 0.2}\n    - maxpool:")
            .replacingOccurrences(of: "{name: fc, out: 4}", with: "{name: fc, out: 10}")
        #expect(try diff(Self.base, both) == [
            .init(path: "model.layers.dropout#1", values: [nil, "{dropout: {rate: 0.2}}"]),
            .init(path: "model.layers.fc.out", values: ["4", "10"]),
        ])
    }

    @Test func unnamedEntriesAreTheKthEntryOfTheirOp() throws {
        let twoMirrors = Self.base.replacingOccurrences(of: "- mirror: {p: 0.5}", with: "- mirror: {p: 0.5}\n    - mirror: {p: 0.25}")
        #expect(try diff(Self.base, twoMirrors) == [.init(path: "train.augment.mirror#2", values: [nil, "{mirror: {p: 0.25}}"])])
        let changed = Self.base.replacingOccurrences(of: "{kernel: 2, stride: 2}", with: "{kernel: 3, stride: 2}")
        #expect(try diff(Self.base, changed) == [.init(path: "model.layers.maxpool#1.kernel", values: ["2", "3"])])
        // A new setting of an entry is one difference under the entry.
        let crop = Self.base.replacingOccurrences(of: "{p: 0.5}", with: "{p: 0.5, vertical: true}")
        #expect(try diff(Self.base, crop) == [.init(path: "train.augment.mirror#1.vertical", values: [nil, "true"])])
    }

    @Test func anEntryWhoseOpChangedIsOneDifferenceWithBothEntries() throws {
        let changed = Self.base.replacingOccurrences(of: "- conv: {name: c1, out: 4, kernel: 3}", with: "- dense: {name: c1, out: 4}")
        #expect(try diff(Self.base, changed) == [
            .init(path: "model.layers.c1", values: ["{conv: {name: c1, out: 4, kernel: 3}}", "{dense: {name: c1, out: 4}}"]),
        ])
    }

    @Test func entriesInAnotherOrderAreOneDifferenceAtTheList() throws {
        let swapped = Self.base
            .replacingOccurrences(of: "    - conv: {name: c1, out: 4, kernel: 3}\n", with: "")
            .replacingOccurrences(of: "    - dense: {name: fc, out: 4}\n", with: "    - dense: {name: fc, out: 4}\n    - conv: {name: c1, out: 4, kernel: 3}\n")
        #expect(try diff(Self.base, swapped) == [
            .init(path: "model.layers", values: ["[c1, maxpool#1, flatten#1, fc, loss#1]", "[maxpool#1, flatten#1, fc, c1, loss#1]"]),
        ])
    }

    @Test func otherListsCompareAsWholeValues() throws {
        let changed = Self.base.replacingOccurrences(of: "top_k: [1, 2]", with: "top_k: [1, 5]")
        #expect(try diff(Self.base, changed) == [.init(path: "model.layers.loss#1.top_k", values: ["[1, 2]", "[1, 5]"])])
        let longer = Self.base.replacingOccurrences(of: "input: [1, 8, 8]", with: "input: [1, 8, 8, 1]")
        #expect(try diff(Self.base, longer) == [.init(path: "model.input", values: ["[1, 8, 8]", "[1, 8, 8, 1]"])])
    }

    @Test func aKeyIsListedWhenNotAllOfThreeRunsAgree() throws {
        let b = Self.base.replacingOccurrences(of: "lr: 0.05", with: "lr: 0.1")
        let c = b.replacingOccurrences(of: "batch: 8", with: "batch: 16")
            .replacingOccurrences(of: "optimizer: {type: sgd, lr: 0.1}", with: "optimizer: {type: sgd, lr: 0.1, nesterov: true}")
        #expect(try diff(Self.base, b, c) == [
            .init(path: "train.batch", values: ["8", "8", "16"]),
            .init(path: "train.optimizer.lr", values: ["0.05", "0.1", "0.1"]),
            .init(path: "train.optimizer.nesterov", values: [nil, nil, "true"]),
        ])
        // A key the first run lacks comes after the key before it in the run that has it.
        #expect(try diff(c, Self.base).map(\.path) == ["train.batch", "train.optimizer.lr", "train.optimizer.nesterov"])
    }

    @Test func aSectionOnlySomeRunsHaveIsOneDifference() throws {
        let withEval = Self.base + "\neval:\n  batch: 6\n  data: {format: synthetic, samples: 20}\n"
        #expect(try diff(Self.base, withEval) == [
            .init(path: "eval", values: [nil, "{batch: 6, data: {format: synthetic, samples: 20}}"]),
        ])
    }

    @Test func flowTextQuotesWhatWouldNotReadBack() throws {
        let t = try tree("a: {s: 'x, y', n: null, q: '12', e: '', l: [a b, '[c]']}")
        #expect(t["a"]?.flowText == #"{s: "x, y", n: null, q: "12", e: "", l: [a b, "[c]"]}"#)
        // What flow text writes reads back as the same tree.
        let again = try tree("a: " + (t["a"]?.flowText ?? ""))
        #expect(YAMLDiff.differences([t, again]).isEmpty)
    }
}
