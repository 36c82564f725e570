import Foundation
import NetrunConfig
import NetrunFormats
import Testing
@testable import NetrunData

@Suite struct NPYDataTests {
    func open(_ dir: String, images: [UInt8], labels: [UInt8], input: [Int] = [1, 2, 2], classes: Int = 4) throws(FileError) -> Dataset {
        do {
            try write(images, to: dir + "/x.npy")
            try write(labels, to: dir + "/y.npy")
            let s = try source(dir, input: input, classes: classes, data: "{format: npy, images: x.npy, labels: y.npy}")
            return try Dataset.open(s, classes: classes, input: input)
        } catch let e as FileError {
            throw e
        } catch {
            Issue.record("setup failed: \(error)")
            throw FileError(path: dir, kind: .io, message: "setup")
        }
    }

    @Test func uint8ImagesWithInt64Labels() throws {
        let dir = try temporaryDirectory()
        let px: [UInt8] = [0, 1, 2, 3, 250, 251, 252, 253]
        let d = try open(dir, images: npy("|u1", [2, 1, 2, 2], px), labels: npy("<i8", [2], littleEndianBytes([Int64(3), 1])))
        #expect(d.pixels == .bytes(px))
        #expect(d.labels == [3, 1])
        #expect(d.shape == [1, 2, 2])
    }

    @Test func float32ImagesStayFloatWithEveryLabelType() throws {
        let dir = try temporaryDirectory()
        let px: [Float] = [0.5, -1, 2.25, 3, 4, 5, 6, 7.5]
        let images = npy("<f4", [2, 1, 2, 2], floatBytes(px))
        for labels in [npy("<i4", [2], littleEndianBytes([Int32(0), 3])), npy("|u1", [2], [0, 3]), npy("<f4", [2], floatBytes([0, 3]))] {
            let d = try open(dir, images: images, labels: labels)
            #expect(d.pixels == .floats(px))
            #expect(d.labels == [0, 3])
        }
    }

    @Test func aFloatLabelThatIsNotWholeNamesItsIndex() throws {
        let dir = try temporaryDirectory()
        let e = try #require(dataError { _ = try open(dir, images: npy("|u1", [2, 1, 2, 2], Array(repeating: 0, count: 8)), labels: npy("<f4", [2], floatBytes([1, 1.5]))) })
        #expect(e.description == "\(dir)/y.npy: error: label 1.5 at index 1 is not a whole number")
    }

    @Test func aNegativeOrTooLargeLabelNamesItsIndex() throws {
        let dir = try temporaryDirectory()
        let images = npy("|u1", [2, 1, 2, 2], Array(repeating: 0, count: 8))
        let e = try #require(dataError { _ = try open(dir, images: images, labels: npy("<i4", [2], littleEndianBytes([Int32(0), -1]))) })
        #expect(e.description == "\(dir)/y.npy: error: label -1 at index 1 is not in 0 ..< 4 (the model's classes)")
        let f = try #require(dataError { _ = try open(dir, images: images, labels: npy("<i8", [2], littleEndianBytes([Int64(4), 0]))) })
        #expect(f.message.hasPrefix("label 4 at index 0"))
    }

    @Test func aNaNPixelIsRefused() throws {
        let dir = try temporaryDirectory()
        let e = try #require(dataError { _ = try open(dir, images: npy("<f4", [1, 1, 2, 2], floatBytes([0, 1, .nan, 2])), labels: npy("|u1", [1], [0])) })
        #expect(e.kind == .value)
        #expect(e.description.hasPrefix("\(dir)/x.npy: error: pixel value nan at flat index 2"))
    }

    @Test func unsupportedDTypesAndShapesAreNamed() throws {
        let dir = try temporaryDirectory()
        let labels = npy("|u1", [1], [0])
        let e = try #require(dataError { _ = try open(dir, images: npy("<f8", [1, 1, 2, 2], Array(repeating: 0, count: 32)), labels: labels) })
        #expect(e.description.hasPrefix("\(dir)/x.npy: error: array has dtype '<f8'"))
        let s = try #require(dataError { _ = try open(dir, images: npy("|u1", [4], [0, 0, 0, 0]), labels: labels) })
        #expect(s.message == "images must be N x C x H x W (or N x H x W), found shape (4,)")
        let i = try #require(dataError { _ = try open(dir, images: npy("<i4", [1, 1, 1, 1], [0, 0, 0, 0]), labels: labels) })
        #expect(i.message.contains("netrun reads uint8 or float32 images"))
    }

    @Test func truncatedAndOverlongDataAreErrors() throws {
        let dir = try temporaryDirectory()
        let labels = npy("|u1", [1], [0])
        let t = try #require(dataError { _ = try open(dir, images: npy("|u1", [1, 1, 2, 2], [0, 0, 0]), labels: labels) })
        #expect(t.kind == .truncated)
        #expect(t.path == dir + "/x.npy")
        let o = try #require(dataError { _ = try open(dir, images: npy("|u1", [1, 1, 2, 2], [0, 0, 0, 0, 0]), labels: labels) })
        #expect(o.kind == .trailingBytes)
    }

    @Test func countsMustAgree() throws {
        let dir = try temporaryDirectory()
        let e = try #require(dataError { _ = try open(dir, images: npy("|u1", [2, 1, 2, 2], Array(repeating: 0, count: 8)), labels: npy("|u1", [3], [0, 1, 2])) })
        #expect(e.description == "\(dir)/y.npy: error: has 3 labels but \(dir)/x.npy has 2 images")
    }

    @Test func notANPYFile() throws {
        let dir = try temporaryDirectory()
        let e = try #require(dataError { _ = try open(dir, images: idx([1, 2, 2], [0, 0, 0, 0]), labels: npy("|u1", [1], [0])) })
        #expect(e.description == "\(dir)/x.npy: error: not a .npy file: it does not start with \\x93NUMPY")
    }

    /// A version 1.0 .npy file with `header` as its dict, padded as numpy pads it.
    func npyFile(header: String, _ data: [UInt8]) -> [UInt8] {
        var h = header
        while (10 + h.utf8.count + 1) % 64 != 0 { h += " " }
        h += "\n"
        let n = h.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 255), UInt8(n >> 8)] + Array(h.utf8) + data
    }

    /// Round three of the hostile-input campaign: each message names what is wrong.
    @Test func headersNumpyRefusesAreRefusedAndNamedInFull() throws {
        let dir = try temporaryDirectory()
        let images = npy("|u1", [1, 1, 2, 2], [0, 0, 0, 0])
        // A scalar: the shape is (), said as such.
        let scalar = try #require(dataError { _ = try open(dir, images: images, labels: npyFile(header: "{'descr': '|u1', 'fortran_order': False, 'shape': (), }", [0])) })
        #expect(scalar.description == "\(dir)/y.npy: error: labels must have shape (N,), found () (a scalar)")
        // A structured dtype: named as one, not cut at its first quote.
        let structured = try #require(dataError {
            _ = try open(dir, images: npyFile(header: "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1, 1, 2, 2), }", Array(repeating: 0, count: 32)),
                         labels: npy("|u1", [1], [0]))
        })
        #expect(structured.description == "\(dir)/x.npy: error: array has a structured dtype (a list of named fields); netrun reads arrays of one plain element type")
        // An extra key (numpy refuses it) and 'shape' read from inside another key's string.
        let extra = try #require(dataError { _ = try open(dir, images: npyFile(header: "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1, 2, 2), 'x': 1, }", [0, 0, 0, 0]), labels: npy("|u1", [1], [0])) })
        #expect(extra.description == "\(dir)/x.npy: error: malformed .npy header: unexpected key 'x'; expected exactly 'descr', 'fortran_order' and 'shape'")
        let inString = try #require(dataError { _ = try open(dir, images: npyFile(header: "{'descr': '|u1', 'fortran_order': False, 'note': \"'shape': (1, 1, 2, 2)\"}", [0, 0, 0, 0]), labels: npy("|u1", [1], [0])) })
        #expect(inString.message.hasPrefix("malformed .npy header: unexpected key 'note'"), "\(inString)")
        #expect(inString.kind == .format)
    }

    @Test func aWholeFloatLabelOutOfRangeIsCalledOutOfRangeNotFractional() throws {
        let dir = try temporaryDirectory()
        let images = npy("|u1", [2, 1, 2, 2], Array(repeating: 0, count: 8))
        let e = try #require(dataError { _ = try open(dir, images: images, labels: npy("<f4", [2], floatBytes([1, 1e10]))) })
        #expect(e.description == "\(dir)/y.npy: error: label 10000000000 at index 1 is not in 0 ..< 4 (the model's classes)")
        let f = try #require(dataError { _ = try open(dir, images: images, labels: npy("<f4", [2], floatBytes([1, .infinity]))) })
        #expect(f.description == "\(dir)/y.npy: error: label inf at index 1 is not finite")
    }
}
