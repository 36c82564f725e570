import Foundation
import Testing
@testable import NetrunFormats

/// A safetensors file from a hand-written JSON header (padded to 8 bytes) and data buffer.
func safetensorsFile(header: String, buffer: [UInt8] = []) -> Data {
    var json = Array(header.utf8)
    json += repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
    return Data(le(UInt64(json.count)) + json + buffer)
}

/// A header entry for one F32 tensor.
func entry(_ name: String, _ shape: [Int], _ begin: Int, _ end: Int, dtype: String = "F32") -> String {
    #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":[\#(begin),\#(end)]}"#
}

@Suite struct SafetensorsTests {
    let sample = [
        NamedTensor(name: "conv1.weight", shape: [2, 1, 3, 3], values: fixtureValues(count: 18)),
        NamedTensor(name: "scalar", shape: [], values: [42.5]),
        NamedTensor(name: "empty", shape: [0], values: []),
        NamedTensor(name: "empty/inner", shape: [3, 0, 2], values: []),
        NamedTensor(name: "odd", shape: [1, 3, 5, 7], values: fixtureValues(count: 105)),
        NamedTensor(name: "unicode \"ünïcødé\" 🧠", shape: [7], values: [.infinity, -0.0, .leastNonzeroMagnitude, 3.4e38, -1, 0, .pi]),
    ]

    @Test func writtenTensorsReadBackInTheSameOrderWithTheSameValues() throws {
        let data = try Safetensors.encode(sample, metadata: ["format": "pt", "note": "a\nb"])
        let file = try Safetensors.parse(data)
        #expect(file.tensors == sample)
        #expect(file.names == sample.map(\.name))
        #expect(file.metadata == ["format": "pt", "note": "a\nb"])
        #expect(file["odd"]?.shape == [1, 3, 5, 7])
        #expect(file["missing"] == nil)
    }

    /// Every tensor's CRC-32 (zlib's) is in the header's metadata; the reader checks it and
    /// hands back the metadata without it.
    @Test func eachTensorsChecksumIsWrittenAndVerifiedThenLeftOutOfTheMetadata() throws {
        let data = try Safetensors.encode(sample, metadata: ["format": "pt", "netrun.crc32:gone": "00000000"], checksums: true)
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = String(decoding: data.dropFirst(8).prefix(headerLength), as: UTF8.self)
        // zlib.crc32 of conv1.weight's 72 bytes, and of an empty tensor (0).
        let conv = try #require(sample.first)
        let expected = Safetensors.hex(Safetensors.crc32(littleEndian: conv.values))
        #expect(header.contains(#""netrun.crc32:conv1.weight":"\#(expected)""#), "\(header)")
        #expect(header.contains(#""netrun.crc32:empty":"00000000""#), "\(header)")
        #expect(!header.contains("netrun.crc32:gone"), "a checksum given for no tensor is dropped")
        #expect(Safetensors.hex(Safetensors.crc32(littleEndian: [1, 2])) == "2e3fa576")   // python3 -c 'import zlib, struct; print(hex(zlib.crc32(struct.pack("<2f", 1, 2))))'
        let file = try Safetensors.parse(data)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors == sample)
    }

    /// A flipped bit in any tensor's bytes is refused, naming the tensor; the same file with
    /// its checksum entries removed (as a writer without them makes it) reads.
    @Test func aFlippedBitInATensorIsRefusedNamingIt() throws {
        let tensors = [NamedTensor(name: "a", shape: [2], values: [1, 2]), NamedTensor(name: "b.weight", shape: [3], values: [3, 4, 5])]
        let data = try Safetensors.encode(tensors, checksums: true)
        for index in data.count - 20 ..< data.count {
            var damaged = data
            damaged[index] ^= 0x10
            let error = try #require(throws: FileError.self) { try Safetensors.parse(damaged, path: "w.safetensors") }
            #expect(error.kind == .checksumMismatch)
            let name = index < data.count - 12 ? "a" : "b.weight"
            #expect(error.description.hasPrefix("w.safetensors: error: tensor '\(name)' is damaged: its \(name == "a" ? 8 : 12) bytes have CRC-32 "), "\(error)")
        }
        let plain = safetensorsFile(header: "{" + entry("a", [2], 0, 8) + "}", buffer: le(Float(1).bitPattern) + le(Float(7).bitPattern))
        #expect(try Safetensors.parse(plain).tensors == [NamedTensor(name: "a", shape: [2], values: [1, 7])])
        let bad = safetensorsFile(header: #"{"__metadata__":{"netrun.crc32:a":"xyz"},"# + entry("a", [1], 0, 4) + "}", buffer: le(Float(1).bitPattern))
        let error = try #require(throws: FileError.self) { try Safetensors.parse(bad) }
        #expect(error.kind == .malformedHeader && error.message.contains("must be 8 hexadecimal digits"), "\(error)")
    }

    @Test func aFileWithNoTensorsRoundTrips() throws {
        let data = try Safetensors.encode([])
        #expect(data.count == 16)
        #expect(try Safetensors.parse(data) == SafetensorsFile(tensors: []))
    }

    @Test func theHeaderIsPaddedWithSpacesToAMultipleOfEightBytes() throws {
        for count in 0 ..< 9 {
            let data = try Safetensors.encode([NamedTensor(name: String(repeating: "x", count: count), shape: [1], values: [1])])
            let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
            #expect(headerLength % 8 == 0)
            #expect(data.count == 8 + headerLength + 4)
            let header = String(decoding: data.dropFirst(8).prefix(headerLength), as: UTF8.self)
            #expect(header.hasPrefix("{") && header.trimmingCharacters(in: .init(charactersIn: " ")).hasSuffix("}"))
        }
    }

    @Test func writeThenReadFromDiskRoundTrips() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/weights.safetensors"
            try Safetensors.write(sample, to: path)
            #expect(try Safetensors.read(path: path).tensors == sample)
            #expect(try listing(directory) == ["weights.safetensors"])
        }
    }

    @Test func theWriterRefusesInconsistentInput() throws {
        let cases: [([NamedTensor], String)] = [
            ([NamedTensor(name: "a", shape: [2, 2], values: [1, 2, 3])], "tensor 'a' has shape [2, 2] but 3 values"),
            ([NamedTensor(name: "a", shape: [-1], values: [])], "tensor 'a' has shape [-1] but 0 values"),
            ([NamedTensor(name: "a", shape: [1], values: [1]), NamedTensor(name: "a", shape: [], values: [2])],
             "tensor 'a' is given twice"),
            ([NamedTensor(name: "__metadata__", shape: [], values: [1])], "tensor '__metadata__' uses the reserved name"),
        ]
        for (tensors, message) in cases {
            let error = try #require(throws: FileError.self) { try Safetensors.encode(tensors) }
            #expect(error.kind == .invalidArgument)
            #expect(error.message == message)
        }
        try withTemporaryDirectory { directory throws in
            #expect(throws: FileError.self) { try Safetensors.write(cases[0].0, to: directory + "/w.safetensors") }
            #expect(try listing(directory).isEmpty)
        }
    }

    // MARK: - Bad input

    func parseError(_ data: Data) throws -> FileError {
        try #require(throws: FileError.self) { try Safetensors.parse(data, path: "weights.safetensors") }
    }

    @Test func anEmptyFileIsTruncated() throws {
        let error = try parseError(Data())
        #expect(error.kind == .truncated)
        #expect(error.description == "weights.safetensors: error: file is 0 bytes, too short for the 8-byte header length of a safetensors file")
    }

    @Test func aFileCutAnywhereIsTruncated() throws {
        let data = try Safetensors.encode([NamedTensor(name: "w", shape: [4], values: [1, 2, 3, 4])])
        let headerEnd = data.count - 16
        for cut in [1, 4, 7, 8, 9, headerEnd / 2, headerEnd - 1, headerEnd, headerEnd + 3, data.count - 1] {
            let error = try parseError(data.prefix(cut))
            #expect(error.kind == .truncated, "cut at \(cut)")
            if cut >= headerEnd {
                #expect(error.message.contains("tensor 'w' has data_offsets [0, 16] beyond the end"), "cut at \(cut)")
            } else if cut >= 8 {
                #expect(error.message.contains("header length is"), "cut at \(cut)")
            }
        }
    }

    @Test func aHeaderLengthBeyondTheFileOrTheLimitIsRefusedBeforeAllocating() throws {
        let short = try parseError(Data(le(UInt64(1000)) + Array("{}".utf8)))
        #expect(short.kind == .truncated)
        #expect(short.message == "header length is 1000 bytes but only 2 bytes follow it")
        for length in [UInt64(Safetensors.maximumHeaderLength) + 1, UInt64(Int.max) + 1, .max] {
            #expect(try parseError(Data(le(length) + Array("{}".utf8))).kind == .headerTooLarge)
        }
    }

    @Test func randomBytesAreRefusedWithoutCrashing() throws {
        for seed in UInt64(0) ..< 200 {
            let data = randomBytes(Int(seed % 64), seed: seed)
            _ = try parseError(data)
            // Also behind a plausible header length, so the JSON parser sees the noise.
            _ = try parseError(Data(le(UInt64(data.count))) + data)
        }
    }

    @Test func everySingleByteCorruptionEitherParsesOrThrowsAFormatError() throws {
        let data = try Safetensors.encode([NamedTensor(name: "w", shape: [2, 1], values: [1, 2]),
                                           NamedTensor(name: "b", shape: [], values: [3])], metadata: ["k": "v"])
        for index in data.indices {
            for byte: UInt8 in [0x00, 0x22, 0x2C, 0x30, 0x39, 0x5B, 0x7B, 0x7D, 0x80, 0xFF] {
                var corrupted = data
                corrupted[index] = byte
                do { _ = try Safetensors.parse(corrupted) } catch is FileError {}
            }
        }
    }

    @Test(arguments: [
        ("", "expected a JSON value, found end of header"),
        (#"{"a":"#, "expected a JSON value"),
        (#"{"a":{"dtype":"F32",}}"#, "expected a string key"),
        (#"{'a': 1}"#, "expected a string key"),
        (#"{"a":01}"#, "expected ',' or '}'"),
        (#"{} {}"#, "after the JSON value"),
        ("{\"a\u{01}\":1}", "unescaped control character"),
        (#"{"\ud800":1}"#, "unpaired surrogate"),
        (String(repeating: "[", count: 100), "nesting deeper than 64 levels"),
    ])
    func malformedJSONIsAMalformedHeader(header: String, fragment: String) throws {
        let error = try parseError(safetensorsFile(header: header))
        #expect(error.kind == .malformedHeader)
        #expect(error.message.hasPrefix("header is not valid JSON: "))
        #expect(error.message.contains(fragment))
    }

    @Test func invalidUTF8InTheHeaderIsMalformed() throws {
        let json: [UInt8] = Array(#"{""#.utf8) + [0xC3, 0x28] + Array(#"":{}}"#.utf8)
        let error = try parseError(Data(le(UInt64(json.count)) + json))
        #expect(error.kind == .malformedHeader)
        #expect(error.message.contains("not valid UTF-8"))
    }

    @Test(arguments: [
        ("[]", "header must be a JSON object, found an array"),
        (#"{"a":[1]}"#, "tensor 'a' must be described by an object, found an array"),
        (#"{"a":{"dtype":"F32","shape":[1]}}"#, "tensor 'a' has no 'data_offsets'"),
        (#"{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4],"extra":1}}"#, "tensor 'a' has unexpected key 'extra'"),
        (#"{"a":{"dtype":"F32","dtype":"F32","shape":[],"data_offsets":[0,4]}}"#, "tensor 'a' has key 'dtype' twice"),
        (#"{"a":{"dtype":32,"shape":[],"data_offsets":[0,4]}}"#, "tensor 'a' has a dtype that is not a string"),
        (#"{"a":{"dtype":"F32","shape":{},"data_offsets":[0,4]}}"#, "tensor 'a' has a shape that is not an array, found an object"),
        (#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, "tensor 'a' has a negative shape entry -1"),
        (#"{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, "tensor 'a' has a shape entry 1.0 that is not an integer"),
        (#"{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}"#, "tensor 'a' has a shape entry 1e0 that is not an integer"),
        (#"{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}"#, "tensor 'a' has a shape entry that is a string, not an integer"),
        (#"{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}}"#, "tensor 'a' has a shape entry 99999999999999999999 that is too large"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, "tensor 'a' has 3 data_offsets; expected [begin, end]"),
        (#"{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, "'__metadata__' entry 'k' must be a string, found a number"),
        (#"{"__metadata__":"x"}"#, "'__metadata__' must be an object of strings, found a string"),
        (#"{"__metadata__":{},"__metadata__":{}}"#, "'__metadata__' appears twice in the header"),
    ])
    func wronglyStructuredHeadersAreMalformed(header: String, message: String) throws {
        let error = try parseError(safetensorsFile(header: header, buffer: [0, 0, 0, 0]))
        #expect(error.kind == .malformedHeader)
        #expect(error.message == message)
    }

    @Test func aShapeThatDoesNotMatchItsBytesIsAShapeMismatch() throws {
        let error = try parseError(safetensorsFile(header: "{\(entry("fc.bias", [2, 3], 0, 20))}", buffer: .init(repeating: 0, count: 20)))
        #expect(error.kind == .shapeMismatch)
        #expect(error.message == "tensor 'fc.bias' has shape [2, 3] (24 bytes as F32) but data_offsets [0, 20] span 20 bytes")
        let overflow = try parseError(safetensorsFile(header: "{\(entry("big", [1 << 32, 1 << 32], 0, 0))}"))
        #expect(overflow.kind == .shapeMismatch)
        #expect(overflow.message.contains("tensor 'big'"))
    }

    @Test func reversedOffsetsAreOutOfBounds() throws {
        let error = try parseError(safetensorsFile(header: "{\(entry("a", [1], 8, 4))}", buffer: .init(repeating: 0, count: 8)))
        #expect(error.kind == .offsetsOutOfBounds)
        #expect(error.message == "tensor 'a' has data_offsets [8, 4] with begin after end")
    }

    @Test func overlappingTensorsAreRefused() throws {
        let header = "{\(entry("a", [2], 0, 8)),\(entry("b", [2], 4, 12))}"
        let error = try parseError(safetensorsFile(header: header, buffer: .init(repeating: 0, count: 12)))
        #expect(error.kind == .overlappingTensors)
        #expect(error.message == "tensors 'a' [0, 8] and 'b' [4, 12] overlap")
        let same = try parseError(safetensorsFile(header: "{\(entry("a", [1], 0, 4)),\(entry("b", [1], 0, 4))}", buffer: [0, 0, 0, 0]))
        #expect(same.kind == .overlappingTensors)
    }

    @Test func aHoleInTheBufferIsRefused() throws {
        let header = "{\(entry("a", [1], 0, 4)),\(entry("b", [1], 8, 12))}"
        let error = try parseError(safetensorsFile(header: header, buffer: .init(repeating: 0, count: 12)))
        #expect(error.kind == .holeInBuffer)
        #expect(error.message == "data buffer bytes [4, 8) belong to no tensor (before tensor 'b')")
        let atStart = try parseError(safetensorsFile(header: "{\(entry("a", [1], 4, 8))}", buffer: .init(repeating: 0, count: 8)))
        #expect(atStart.kind == .holeInBuffer)
    }

    @Test func bytesAfterTheLastTensorAreTrailingGarbage() throws {
        let error = try parseError(safetensorsFile(header: "{\(entry("a", [1], 0, 4))}", buffer: .init(repeating: 0, count: 7)))
        #expect(error.kind == .trailingBytes)
        #expect(error.message == "3 bytes after the last tensor's data (data buffer is 7 bytes, tensors cover 4)")
        #expect(try parseError(safetensorsFile(header: "{}", buffer: [1])).kind == .trailingBytes)
    }

    @Test func tensorsListedOutOfOffsetOrderAndEmptyTensorsAreFine() throws {
        let header = "{\(entry("b", [1], 4, 8)),\(entry("e", [0], 4, 4)),\(entry("a", [1], 0, 4))}"
        let buffer = le(Float(1).bitPattern) + le(Float(2).bitPattern)
        let file = try Safetensors.parse(safetensorsFile(header: header, buffer: buffer))
        #expect(file.tensors == [NamedTensor(name: "b", shape: [1], values: [2]), NamedTensor(name: "e", shape: [0], values: []),
                                 NamedTensor(name: "a", shape: [1], values: [1])])
    }

    @Test func duplicateTensorNamesAreRefused() throws {
        let header = "{\(entry("conv1.bias", [1], 0, 4)),\(entry("conv1.bias", [1], 4, 8))}"
        let error = try parseError(safetensorsFile(header: header, buffer: .init(repeating: 0, count: 8)))
        #expect(error.kind == .duplicateName)
        #expect(error.message == "tensor 'conv1.bias' appears twice in the header")
    }

    @Test func aMissingFileIsAnIOError() throws {
        let error = try #require(throws: FileError.self) { try Safetensors.read(path: "/nonexistent/netrun/w.safetensors") }
        #expect(error.kind == .io)
        #expect(error.path == "/nonexistent/netrun/w.safetensors")
    }
}
