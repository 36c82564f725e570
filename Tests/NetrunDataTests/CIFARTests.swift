import Foundation
import NetrunConfig
import Testing
@testable import NetrunData

@Suite struct CIFARTests {
    /// `n` records whose pixels are `record index + plane offset` patterns and the given label bytes.
    func records(_ labelBytes: [[UInt8]], seed: Int) -> (file: [UInt8], pixels: [UInt8]) {
        var file: [UInt8] = [], pixels: [UInt8] = []
        for (r, l) in labelBytes.enumerated() {
            let px = (0 ..< 3072).map { UInt8(truncatingIfNeeded: $0 * 31 + r * 7 + seed) }
            file += l + px
            pixels += px
        }
        return (file, pixels)
    }

    @Test func cifar10FilesAreReadInOrder() throws {
        let dir = try temporaryDirectory()
        let a = records([[3], [9]], seed: 1), b = records([[0]], seed: 2)
        try write(a.file, to: dir + "/one.bin")
        try write(b.file, to: dir + "/two.bin")
        let s = try source(dir, input: [3, 32, 32], classes: 10, data: "{format: cifar, files: [one.bin, two.bin]}")
        let d = try Dataset.open(s, classes: 10, input: [3, 32, 32])
        #expect(d.shape == [3, 32, 32])
        #expect(d.labels == [3, 9, 0])
        #expect(d.pixels == .bytes(a.pixels + b.pixels))
    }

    @Test func cifar100UsesTheFineLabelAndTheRootLayout() throws {
        let dir = try temporaryDirectory()
        let train = records([[1, 55], [19, 99]], seed: 3), test = records([[4, 7]], seed: 4)
        try write(train.file, to: dir + "/c100/train.bin")
        try write(test.file, to: dir + "/c100/test.bin")
        let s = try source(dir, input: [3, 32, 32], classes: 100, data: "{format: cifar, variant: 100, root: c100}")
        let d = try Dataset.open(s, classes: 100, input: [3, 32, 32])
        #expect(d.labels == [55, 99])
        #expect(d.pixels == .bytes(train.pixels))
        let t = try source(dir, input: [3, 32, 32], classes: 100, data: "{format: cifar, variant: 100, root: c100, split: test}")
        #expect(try Dataset.open(t, classes: 100, input: [3, 32, 32]).labels == [7])
    }

    @Test func cifar10RootNamesTheFiveTrainingBatches() {
        #expect(CIFAR.files(root: "r", variant: .cifar10, split: .train) == (1 ... 5).map { "r/data_batch_\($0).bin" })
        #expect(CIFAR.files(root: "r/", variant: .cifar10, split: .test) == ["r/test_batch.bin"])
    }

    @Test func aFileOfTheOtherVariantIsNamedWithAHint() throws {
        let dir = try temporaryDirectory()
        try write(records([[1, 2], [3, 4]], seed: 0).file, to: dir + "/b.bin")
        let s = try source(dir, input: [3, 32, 32], classes: 10, data: "{format: cifar, files: b.bin}")
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 10, input: [3, 32, 32]) })
        #expect(e.description == "\(dir)/b.bin: error: is 6148 bytes, not a whole number of 3073-byte CIFAR-10 records; it would be whole records of CIFAR-100 (variant: 100)")
    }

    @Test func aLabelOutOfRangeNamesTheBatchFileAndIndex() throws {
        let dir = try temporaryDirectory()
        try write(records([[1], [10]], seed: 0).file, to: dir + "/b.bin")
        let s = try source(dir, input: [3, 32, 32], classes: 10, data: "{format: cifar, files: [b.bin]}")
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 10, input: [3, 32, 32]) })
        #expect(e.description == "\(dir)/b.bin: error: label 10 at index 1 is not in 0 ..< 10 (the model's classes)")
    }

    @Test func aMissingBatchIsNamed() throws {
        let dir = try temporaryDirectory()
        let s = try source(dir, input: [3, 32, 32], classes: 10, data: "{format: cifar, root: nowhere}")
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 10, input: [3, 32, 32]) })
        #expect(e.description == "\(dir)/nowhere/data_batch_1.bin: error: cannot read the file: No such file or directory")
    }
}
