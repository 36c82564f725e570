import Foundation
import NetrunConfig
import Testing
import _NetrunTestSupport
@testable import NetrunData

@Suite struct IDXTests {
    /// Three 2x3 images with distinct bytes, labels 2, 0, 1.
    let pixels: [UInt8] = (0 ..< 18).map { UInt8($0 * 7 + 1) }
    let labels: [UInt8] = [2, 0, 1]

    func files(_ dir: String, images: [UInt8]? = nil, labels: [UInt8]? = nil) throws -> DataSource {
        try write(images ?? idx([3, 2, 3], pixels), to: dir + "/img.idx")
        try write(labels ?? idx([3], self.labels), to: dir + "/lab.idx")
        return try source(dir, input: [1, 2, 3], classes: 3, data: "{format: idx, images: img.idx, labels: lab.idx}")
    }

    @Test func rawIDXLoadsItsBytesAndLabels() throws {
        let dir = try temporaryDirectory()
        let d = try Dataset.open(try files(dir), classes: 3, input: [1, 2, 3])
        #expect(d.count == 3)
        #expect(d.shape == [1, 2, 3])
        #expect(d.pixels == .bytes(pixels))
        #expect(d.labels == [2, 0, 1])
        #expect(d.origin == dir + "/img.idx")
    }

    @Test func gzippedIDXLoadsTheSameAsRaw() throws {
        let dir = try temporaryDirectory()
        _ = try files(dir)
        let img = try gzip(dir + "/img.idx"), lab = try gzip(dir + "/lab.idx")
        #expect(FileBytes.isGzip(try FileBytes.readRaw(img)))
        let s = try source(dir, input: [1, 2, 3], classes: 3, data: "{format: idx, images: \(img), labels: \(lab)}")
        let d = try Dataset.open(s, classes: 3, input: [1, 2, 3])
        #expect(d.pixels == .bytes(pixels))
        #expect(d.labels == [2, 0, 1])
    }

    @Test func concatenatedGzipMembersAreOneStream() throws {
        let dir = try temporaryDirectory()
        let whole = idx([3, 2, 3], pixels)
        try write(Array(whole[..<10]), to: dir + "/a")
        try write(Array(whole[10...]), to: dir + "/b")
        let joined = try FileBytes.readRaw(try gzip(dir + "/a")) + FileBytes.readRaw(try gzip(dir + "/b"))
        #expect(try FileBytes.inflate(joined, path: "x") == whole)
    }

    @Test func fourDimensionalIDXHasChannels() throws {
        let dir = try temporaryDirectory()
        try write(idx([1, 2, 3, 3], pixels), to: dir + "/img.idx")
        try write(idx([1], [1]), to: dir + "/lab.idx")
        let s = try source(dir, input: [2, 3, 3], classes: 3, data: "{format: idx, images: img.idx, labels: lab.idx}")
        let d = try Dataset.open(s, classes: 3, input: [2, 3, 3])
        #expect(d.shape == [2, 3, 3])
        #expect(d.count == 1)
    }

    @Test func truncatedDataNamesTheFileAndBothSizes() throws {
        let dir = try temporaryDirectory()
        let s = try files(dir, images: Array(idx([3, 2, 3], pixels).dropLast(5)))
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 3, input: [1, 2, 3]) })
        #expect(e.kind == .truncated)
        #expect(e.description.hasPrefix(dir + "/img.idx: error: "))
        #expect(e.message.contains("3 x 2 x 3 = 18 bytes") && e.message.contains("has 13"))
    }

    @Test func aTruncatedHeaderIsAnError() throws {
        let dir = try temporaryDirectory()
        let s = try files(dir, images: [0, 0, 8, 3, 0, 0])
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 3, input: [1, 2, 3]) })
        #expect(e.kind == .truncated)
        #expect(e.path == dir + "/img.idx")
    }

    @Test func extraBytesAfterTheDataAreAnError() throws {
        let dir = try temporaryDirectory()
        let s = try files(dir, images: idx([3, 2, 3], pixels + [9, 9]))
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 3, input: [1, 2, 3]) })
        #expect(e.kind == .trailingBytes)
        #expect(e.description.hasPrefix(dir + "/img.idx: error: header says 3 x 2 x 3 = 18 bytes"))
    }

    @Test func imageAndLabelCountsMustAgree() throws {
        let dir = try temporaryDirectory()
        let s = try files(dir, labels: idx([2], [0, 1]))
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 3, input: [1, 2, 3]) })
        #expect(e.kind == .mismatch)
        #expect(e.description == "\(dir)/lab.idx: error: has 2 labels but \(dir)/img.idx has 3 images")
    }

    @Test func aLabelAtOrAboveTheClassCountNamesItsIndex() throws {
        let dir = try temporaryDirectory()
        let s = try files(dir, labels: idx([3], [0, 1, 3]))
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 3, input: [1, 2, 3]) })
        #expect(e.kind == .label)
        #expect(e.description == "\(dir)/lab.idx: error: label 3 at index 2 is not in 0 ..< 3 (the model's classes)")
    }

    @Test func aTruncatedGzipNamesTheFile() throws {
        let dir = try temporaryDirectory()
        _ = try files(dir)
        let gz = try gzip(dir + "/img.idx")
        let bytes = try FileBytes.readRaw(gz)
        try write(Array(bytes.prefix(bytes.count - 12)), to: gz)
        let s = try source(dir, input: [1, 2, 3], classes: 3, data: "{format: idx, images: img.idx.gz, labels: lab.idx}")
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 3, input: [1, 2, 3]) })
        #expect(e.path == gz)
        #expect(e.kind == .truncated || e.kind == .format)
    }

    @Test func corruptGzipDataNamesTheFile() throws {
        let dir = try temporaryDirectory()
        try write([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + [UInt8](repeating: 0xFF, count: 40), to: dir + "/bad.gz")
        let e = try #require(dataError { _ = try FileBytes.read(dir + "/bad.gz") })
        #expect(e.description.hasPrefix(dir + "/bad.gz: error: corrupt gzip data"))
    }

    @Test func aMissingFileIsNamed() throws {
        let dir = try temporaryDirectory()
        try write(idx([3], labels), to: dir + "/lab.idx")
        let s = try source(dir, input: [1, 2, 3], classes: 3, data: "{format: idx, images: nothing.idx, labels: lab.idx}")
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 3, input: [1, 2, 3]) })
        #expect(e.description == "\(dir)/nothing.idx: error: cannot read the file: No such file or directory")
        let d = try #require(dataError { _ = try FileBytes.read(dir) })
        #expect(d.description == "\(dir): error: expected a regular file, found a directory")
    }

    @Test func aFileOfAnotherFormatIsRefused() throws {
        let dir = try temporaryDirectory()
        let s = try files(dir, images: png(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4]))
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 3, input: [1, 2, 3]) })
        #expect(e.kind == .format)
        #expect(e.description.hasPrefix("\(dir)/img.idx: error: not an IDX file"))
        let f = try #require(dataError { _ = try IDX.parse([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], path: "f.idx") })
        #expect(f.message == "IDX element type 0x0D (float) is not supported; netrun reads unsigned bytes (0x08)")
    }

    @Test func channelsMustMatchTheModel() throws {
        let dir = try temporaryDirectory()
        let s = try files(dir)
        let e = try #require(dataError { _ = try Dataset.open(s, classes: 3, input: [3, 2, 3]) })
        #expect(e.description == "\(dir)/img.idx: error: images have 1 channel; the model's input has 3")
    }

    static let fashion = "/usr/share/datasets/fashion-mnist"
    static let fashionInstalled = FileManager.default.fileExists(atPath: fashion + "/train-images-idx3-ubyte.gz")

    @Test(.enabled(if: fashionInstalled, "Fashion-MNIST is not installed (Debian package dataset-fashion-mnist; .ci/install installs it)"))
    func fashionMNISTOpensFromTheShippedConfig() throws {
        let path = configPath("fashion-alexnet")
        let loaded = ConfigLoader.load(file: path)
        let c = try #require(loaded.config, "\(loaded.diagnostics.all)")
        let train = try Dataset.open(try #require(c.train?.data), classes: c.model.classes.value, input: c.model.input.value)
        let test = try Dataset.open(try #require(c.eval?.data), classes: c.model.classes.value, input: c.model.input.value)
        #expect(train.count == 60000)
        #expect(test.count == 10000)
        #expect(train.shape == [1, 28, 28])
        #expect(Set(train.labels) == Set(0 ..< 10))
        #expect(Set(test.labels) == Set(0 ..< 10))
        // The recipe's normalization constant (Tests/Peers/fashion.py: mean 0.2860) is the training mean.
        let mean = train.meanImage().reduce(0, +) / Float(784) / 255
        #expect(abs(mean - 0.2860) < 5e-4)
    }
}

