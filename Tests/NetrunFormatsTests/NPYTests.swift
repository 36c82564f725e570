import Foundation
import Testing
@testable import NetrunFormats

/// A version-1.0 .npy file from a hand-written header (not padded) and raw data.
func npyFile(header: String, data: [UInt8] = [], version: UInt8 = 1) -> Data {
    let text = Array(header.utf8)
    let length = version == 1 ? le(UInt16(text.count)) : le(UInt32(text.count))
    return Data(NPY.magic + [version, 0] + length + text + data)
}

func floatBytes(_ values: [Float]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }

@Suite struct NPYTests {
    @Test(arguments: [[], [0], [5], [1, 1], [3, 0, 2], [2, 3, 227, 227], [1, 2, 1, 2, 1, 3, 1]])
    func writtenArraysReadBackWithTheSameShapeAndValues(shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let array = NPYArray(shape: shape, values: fixtureValues(count: count))
        let data = try NPY.encode(array)
        #expect(try NPY.parse(data) == array)
    }

    @Test func theHeaderIsPaddedSoTheDataStartsAtAMultipleOf64Bytes() throws {
        for first in [1, 12, 123456789, Int.max] {
            let data = try NPY.encode(NPYArray(shape: [first, 0], values: []))
            #expect(data.count % 64 == 0)
            #expect(Array(data.prefix(8)) == NPY.magic + [1, 0])
            #expect(data.last == UInt8(ascii: "\n"))
            #expect(Int(data[8]) | Int(data[9]) << 8 == data.count - 10)
        }
    }

    @Test func aHeaderTooLongForVersion1IsWrittenAsVersion2() throws {
        let shape = [Int](repeating: 1, count: 30_000)
        let data = try NPY.encode(NPYArray(shape: shape, values: [7]))
        #expect(data[6] == 2)
        #expect((data.count - 4) % 64 == 0)
        #expect(try NPY.parse(data) == NPYArray(shape: shape, values: [7]))
    }

    @Test func writeThenReadFromDiskRoundTrips() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/input.npy"
            let array = NPYArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
            try NPY.write(array, to: path)
            #expect(try NPY.read(path: path) == array)
            #expect(try listing(directory) == ["input.npy"])
        }
    }

    @Test func theWriterRefusesAShapeThatDoesNotMatchTheValues() throws {
        let error = try #require(throws: FileError.self) { try NPY.encode(NPYArray(shape: [2, 2], values: [1])) }
        #expect(error.kind == .invalidArgument)
        #expect(error.message == "shape (2, 2) does not match 1 values")
    }

    @Test(arguments: [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
        "{'shape': (3,), 'fortran_order': False, 'descr': '<f4'}",
        "{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(3, )}     \n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3L,), }\n",
    ])
    func headerKeysMayComeInAnyOrderAndSpacing(header: String) throws {
        let array = try NPY.parse(npyFile(header: header, data: floatBytes([1, 2, 3])))
        #expect(array == NPYArray(shape: [3], values: [1, 2, 3]))
    }

    @Test func versions2And3HaveAFourByteHeaderLength() throws {
        for version: UInt8 in [2, 3] {
            let data = npyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: floatBytes([9]), version: version)
            #expect(try NPY.parse(data) == NPYArray(shape: [], values: [9]))
        }
    }

    // MARK: - Bad input

    func parseError(_ data: Data) throws -> FileError {
        try #require(throws: FileError.self) { try NPY.parse(data, path: "input.npy") }
    }

    @Test func aFileWithoutTheMagicIsRefused() throws {
        for data in [Data("NUMPY".utf8), Data("\u{93}NUMPX\u{1}\u{0}".utf8), randomBytes(200, seed: 7),
                     Data(Array("PK\u{3}\u{4}".utf8))] {
            let error = try parseError(data)
            #expect(error.kind == .badMagic)
            #expect(error.description == "input.npy: error: not a .npy file: it does not start with \\x93NUMPY")
        }
    }

    @Test func anEmptyFileOrABareMagicIsTruncated() throws {
        for data in [Data(), Data(NPY.magic.prefix(3)), Data(NPY.magic + [1, 0])] {
            let error = try parseError(data)
            #expect(error.kind == .truncated)
            #expect(error.message == "file is \(data.count) bytes, too short for a .npy preamble")
        }
    }

    @Test func randomBytesAfterTheMagicAreRefusedWithoutCrashing() throws {
        for seed in UInt64(0) ..< 300 {
            let version = UInt8(seed % 4)
            _ = try parseError(Data(NPY.magic + [version, 0]) + randomBytes(Int(seed % 90), seed: seed))
        }
    }

    @Test func everySingleByteCorruptionEitherParsesOrThrowsAFormatError() throws {
        let data = try NPY.encode(NPYArray(shape: [2, 1], values: [1, 2]))
        for index in data.indices {
            for byte: UInt8 in [0x00, 0x20, 0x27, 0x28, 0x29, 0x2C, 0x2D, 0x31, 0x39, 0x7B, 0x7D, 0x80, 0xFF] {
                var corrupted = data
                corrupted[index] = byte
                do { _ = try NPY.parse(corrupted) } catch is FileError {}
            }
        }
    }

    @Test func unsupportedVersionsAreNamed() throws {
        for (major, minor) in [(0, 0), (4, 0), (1, 1), (255, 255)] as [(UInt8, UInt8)] {
            let error = try parseError(Data(NPY.magic + [major, minor, 0, 0, 0, 0]))
            #expect(error.kind == .unsupportedVersion)
            #expect(error.message == ".npy format version \(major).\(minor) is not supported; netrun reads 1.0, 2.0 and 3.0")
        }
    }

    @Test func aFileCutAnywhereIsTruncated() throws {
        let data = try NPY.encode(NPYArray(shape: [2, 2], values: [1, 2, 3, 4]))
        let dataStart = data.count - 16
        for cut in [8, 9, 10, 40, dataStart - 1, dataStart, dataStart + 1, dataStart + 6, data.count - 1] {
            let error = try parseError(data.prefix(cut))
            #expect(error.kind == .truncated, "cut at \(cut)")
            if cut >= dataStart {
                #expect(error.message == "data is truncated: shape (2, 2) needs 16 bytes, found \(cut - dataStart)")
            } else if cut > 10 {
                #expect(error.message.hasPrefix("header length is \(dataStart - 10) bytes but only"))
            }
        }
    }

    @Test func bytesAfterTheDataAreTrailingGarbage() throws {
        let data = try NPY.encode(NPYArray(shape: [2], values: [1, 2])) + [0, 0, 0]
        let error = try parseError(data)
        #expect(error.kind == .trailingBytes)
        #expect(error.message == "3 trailing bytes: shape (2,) needs 8 bytes, found 11")
    }

    @Test(arguments: ["<f8", ">f4", "|f4", "<f2", "<i4", "float32", "|u1"])
    func aDTypeOtherThanLittleEndianFloat32IsNamed(descr: String) throws {
        let error = try parseError(npyFile(header: "{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]))
        #expect(error.kind == .unsupportedDType)
        #expect(error.message == "array has dtype '\(descr)'; netrun reads little-endian float32 ('<f4') only")
    }

    @Test func aStructuredDTypeIsUnsupported() throws {
        let error = try parseError(npyFile(header: "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }"))
        #expect(error.kind == .unsupportedDType)
        #expect(error.message.contains("structured"))
    }

    @Test func fortranOrderIsRefused() throws {
        let error = try parseError(npyFile(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data: floatBytes(fixtureValues(count: 6))))
        #expect(error.kind == .fortranOrder)
        #expect(error.message.contains("fortran_order: True"))
    }

    @Test func anOverflowingShapeIsRefusedBeforeAllocating() throws {
        let error = try parseError(npyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"))
        #expect(error.kind == .shapeMismatch)
        #expect(error.message.contains("(4294967296, 4294967296)"))
    }

    @Test(arguments: [
        ("", "expected '{' at the start, found end of header"),
        ("{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'"),
        ("{}", "missing key 'descr', 'fortran_order', 'shape'"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected key 'extra'"),
        ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", "key 'descr' appears twice"),
        ("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", "'fortran_order' must be True or False, found 0"),
        ("{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}", "'fortran_order' must be True or False, found false"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': [1]}", "'shape' must be a tuple of ints, found '['"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1)}", "'shape' must be a tuple; (1) is an int, write (1,)"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,,)}", "bad 'shape' tuple: unexpected ','"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}", "bad 'shape' tuple: unexpected 2"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "'shape' has a negative dimension -1"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,)}", "'1' is followed by '.'; expected an integer"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "'shape' dimension 99999999999999999999 is too large"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", "expected ',' or '}' after the value of 'shape', found end of header"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,),", "expected a string key or '}', found end of header"),
        ("{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}", "expected ',' or '}' after the value of 'descr', found 'fortran_order'"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} }", "unexpected '}' after the dict"),
        ("{'descr' '<f4'}", "expected ':' after key 'descr', found '<f4'"),
        ("{'descr': '<f4\\n', 'fortran_order': False, 'shape': (1,)}", "escapes and newlines are not supported"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}\u{0}", "unexpected byte 0x0"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} # comment", "unexpected '#'"),
    ])
    func malformedHeaderDictsAreRefused(header: String, fragment: String) throws {
        let error = try parseError(npyFile(header: header, data: [0, 0, 0, 0]))
        #expect(error.kind == .malformedHeader)
        #expect(error.message.hasPrefix("malformed .npy header: "))
        #expect(error.message.contains(fragment), "\(error.message)")
    }

    @Test func aHeaderLengthBeyondTheFileIsTruncated() throws {
        let error = try parseError(Data(NPY.magic + [1, 0] + le(UInt16(500)) + Array("{}".utf8)))
        #expect(error.kind == .truncated)
        #expect(error.message == "header length is 500 bytes but only 2 bytes follow it")
        let huge = try parseError(Data(NPY.magic + [2, 0] + le(UInt32.max)))
        #expect(huge.kind == .headerTooLarge)
    }

    @Test func aMissingFileIsAnIOError() throws {
        let error = try #require(throws: FileError.self) { try NPY.read(path: "/nonexistent/netrun/input.npy") }
        #expect(error.kind == .io)
        #expect(error.description.hasPrefix("/nonexistent/netrun/input.npy: error: cannot read the file"))
    }
}
