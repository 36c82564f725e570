import Foundation
import NetrunConfig
import Testing

/// The `data` section's new formats and settings, as the config decoder reads them.
@Suite struct DataConfigTests {
    func errors(_ data: String) -> [String] {
        let text = """
        model:
          input: [3, 32, 32]
          classes: 10
          layers:
            - dense: {name: fc, out: 10}
            - loss: {name: loss}
        train:
          epochs: 1
          batch: 2
          optimizer: {type: sgd, lr: 0.1}
          data: \(data)
        """
        return ConfigLoader.load(text: text, file: "t.yaml").diagnostics.errors.map { "\($0.location.line):\($0.location.column) \($0.message)" }
    }

    func data(_ data: String) throws -> DataSource {
        let dir = try temporaryDirectory()
        return try source(dir, input: [3, 32, 32], classes: 10, data: data)
    }

    @Test func npyAndCifarFormatsDecode() throws {
        guard case .npy(let x, let y) = try data("{format: npy, images: x.npy, labels: y.npy}").format else { Issue.record("not npy"); return }
        #expect(x.value == "x.npy" && y.value == "y.npy")
        guard case .cifar(.root(let root, let split), let variant) = try data("{format: cifar, root: c, split: test, variant: 100}").format else {
            Issue.record("not cifar root"); return
        }
        #expect(root.value == "c" && split == .test && variant == .cifar100)
        guard case .cifar(.files(let files), .cifar10) = try data("{format: cifar, files: one.bin}").format else { Issue.record("not cifar files"); return }
        #expect(files.map(\.value) == ["one.bin"])
    }

    @Test func shuffleDefaultsToTrueAndCanBeTurnedOff() throws {
        #expect(try data("{format: synthetic}").shuffle == true)
        #expect(try data("{format: synthetic, shuffle: false}").shuffle == false)
    }

    @Test func dropLastDefaultsToTrueAndCountsTheStepsOfAnEpoch() throws {
        let keep = try data("{format: synthetic}")
        #expect(keep.dropLast == true && keep.stepsPerEpoch(examples: 60000, batch: 128) == 468)
        let last = try data("{format: synthetic, drop_last: false}")
        #expect(last.dropLast == false && last.stepsPerEpoch(examples: 60000, batch: 128) == 469)
        #expect(last.stepsPerEpoch(examples: 256, batch: 128) == 2)
    }

    @Test func cifarNeedsExactlyOneOfRootAndFilesAndAKnownVariant() {
        #expect(errors("{format: cifar, root: a, files: [b]}") == ["11:41 give cifar 'root' or 'files', not both"])
        #expect(errors("{format: cifar}") == ["11:9 cifar data needs 'root' (a directory) or 'files' (a list of batch files)"])
        #expect(errors("{format: cifar, root: a, variant: 12}") == ["11:43 expected a CIFAR variant of 10 or 100, found 12"])
        #expect(errors("{format: cifar, files: [a], split: test}") == ["11:44 'split' goes with 'root'; 'files' names the batches itself"])
        #expect(errors("{format: cifar, files: [a, 3]}") == ["11:36 expected a batch file, found the number 3; quote it if it is a name"])
        #expect(errors("{format: cifar, files: []}") == ["11:32 cifar 'files' is an empty list; name at least one batch file (or give 'root')"])
        #expect(errors("{format: npy, images: a}") == ["11:9 npy data needs 'labels'"])
        #expect(errors("{format: jpg, root: a}").first?.contains("unknown data format 'jpg'") == true)
    }
}
