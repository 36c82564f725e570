import Foundation
import Testing
@testable import NetrunFormats

/// F16, BF16 and F64 tensors load as float32. Expected bit patterns are numpy's
/// (`np.array(bits, np.uint16).view(np.float16).astype(np.float32)`, and
/// `np.array(x, np.float64).astype(np.float32)`), and bfloat16's definition (the top half
/// of a float32).
@Suite struct SafetensorsDTypeTests {
    /// A one-tensor file of `dtype` whose data is `elements` little-endian integers.
    func file<T: FixedWidthInteger>(dtype: String, _ elements: [T]) -> Data {
        let bytes = elements.flatMap { le($0) }
        return safetensorsFile(header: "{\(entry("t", [elements.count], 0, bytes.count, dtype: dtype))}", buffer: bytes)
    }

    func loadedBits(_ data: Data) throws -> [UInt32] {
        let tensor = try #require(try Safetensors.parse(data)["t"])
        return tensor.values.map(\.bitPattern)
    }

    @Test func f16ValuesConvertAsNumpyConvertsThem() throws {
        // 1, -2, 0.5, 65504 (largest), 2^-24 (smallest subnormal), largest subnormal,
        // smallest normal, inf, -inf, -0, 0.33325195
        let half: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x7C00, 0xFC00, 0x8000, 0x3555]
        let numpy: [UInt32] = [0x3F80_0000, 0xC000_0000, 0x3F00_0000, 0x477F_E000, 0x3380_0000, 0x387F_C000,
                               0x3880_0000, 0x7F80_0000, 0xFF80_0000, 0x8000_0000, 0x3EAA_A000]
        #expect(try loadedBits(file(dtype: "F16", half)) == numpy)
    }

    @Test func f16NaNStaysNaN() throws {
        let values = try #require(try Safetensors.parse(file(dtype: "F16", [UInt16(0x7E00), 0xFE01]))["t"]).values
        #expect(values.count == 2 && values.allSatisfy(\.isNaN))
    }

    @Test func bf16ValuesAreTheTopHalfOfAFloat32() throws {
        let bf16: [UInt16] = [0x3F80, 0xC000, 0x7F80, 0x0001, 0x8000, 0x3EAB, 0x7FC0]
        #expect(try loadedBits(file(dtype: "BF16", bf16)) == bf16.map { UInt32($0) << 16 })
        let values = try #require(try Safetensors.parse(file(dtype: "BF16", bf16))["t"]).values
        #expect(Array(values.prefix(3)) == [1, -2, .infinity])
        #expect(values[6].isNaN)
    }

    @Test func f64ValuesRoundToNearestFloat32AsNumpyRoundsThem() throws {
        // 1, -2.5, 0.1, 1e300, -1e300, 1e-50, float32's max plus half an ulp (a tie, to
        // even: inf), 2^-149, 1.5 * 2^-150 (nearest is 2^-149), 1/3
        let doubles: [Double] = [1, -2.5, 0.1, 1e300, -1e300, 1e-50, 3.4028235677973366e38, 0x1p-149, 0x1.8p-150, 1.0 / 3]
        let numpy: [UInt32] = [0x3F80_0000, 0xC020_0000, 0x3DCC_CCCD, 0x7F80_0000, 0xFF80_0000, 0x0000_0000,
                               0x7F80_0000, 0x0000_0001, 0x0000_0001, 0x3EAA_AAAB]
        #expect(try loadedBits(file(dtype: "F64", doubles.map(\.bitPattern))) == numpy)
    }

    @Test func tensorsOfEveryDTypeShareOneFile() throws {
        let header = "{" + [
            entry("half", [2], 0, 4, dtype: "F16"),
            entry("brain", [1], 4, 6, dtype: "BF16"),
            entry("double", [1], 6, 14, dtype: "F64"),
            entry("single", [1], 14, 18),
        ].joined(separator: ",") + "}"
        let buffer = le(UInt16(0x3C00)) + le(UInt16(0xC000)) + le(UInt16(0x4040)) + le((-0.25).bitPattern) + le(Float(7).bitPattern)
        let file = try Safetensors.parse(safetensorsFile(header: header, buffer: buffer))
        #expect(file.tensors == [
            NamedTensor(name: "half", shape: [2], values: [1, -2]),
            NamedTensor(name: "brain", shape: [1], values: [3]),
            NamedTensor(name: "double", shape: [1], values: [-0.25]),
            NamedTensor(name: "single", shape: [1], values: [7]),
        ])
    }

    @Test(arguments: [("F16", 2), ("BF16", 2), ("F64", 8)])
    func theByteCountOfAShapeFollowsItsDType(_ dtype: String, _ size: Int) throws {
        let data = safetensorsFile(header: "{\(entry("w", [2, 3], 0, 4 * 6, dtype: dtype))}", buffer: .init(repeating: 0, count: 4 * 6))
        let error = try #require(throws: FileError.self) { try Safetensors.parse(data) }
        #expect(error.kind == .shapeMismatch)
        #expect(error.message == "tensor 'w' has shape [2, 3] (\(6 * size) bytes as \(dtype)) but data_offsets [0, 24] span 24 bytes")
    }

    @Test(arguments: ["I64", "I32", "I8", "U8", "BOOL", "F8_E4M3", "f32", ""])
    func otherDTypesAreRefusedNamingTheTensorAndTheDType(_ dtype: String) throws {
        let data = safetensorsFile(header: "{\(entry("fc.weight", [2], 0, 8, dtype: dtype))}", buffer: .init(repeating: 0, count: 8))
        let error = try #require(throws: FileError.self) { try Safetensors.parse(data, path: "w.safetensors") }
        #expect(error.kind == .unsupportedDType)
        #expect(error.description == "w.safetensors: error: tensor 'fc.weight' has dtype \(dtype); netrun reads F32, F16, BF16 and F64")
    }

    /// Every one of the 65,536 float16 bit patterns against numpy's conversion, which
    /// numpy writes as a float32 .npy for us to read.
    @Test(.enabled(if: pythonWithNumpy, "needs python3 with numpy"))
    func everyF16BitPatternConvertsAsNumpyConvertsIt() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/f16.npy"
            let script = "import numpy as np, sys; np.save(sys.argv[1], np.arange(65536, dtype=np.uint16).view(np.float16).astype(np.float32))"
            #expect(try runPython(script, [path]).status == 0)
            let numpy = try NPY.read(path: path).values
            let ours = try #require(try Safetensors.parse(file(dtype: "F16", (0 ... UInt16.max).map { $0 }))["t"]).values
            #expect(numpy.count == 65536 && ours.count == 65536)
            let differing = zip(ours, numpy).enumerated().filter { _, pair in
                pair.0.isNaN ? !pair.1.isNaN : pair.0.bitPattern != pair.1.bitPattern
            }
            #expect(differing.isEmpty, "first differences (bits, ours, numpy): \(differing.prefix(5).map { ($0.offset, $0.element.0, $0.element.1) })")
        }
    }
}
