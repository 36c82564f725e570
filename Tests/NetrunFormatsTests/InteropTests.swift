import Foundation
import Testing
@testable import NetrunFormats

/// Files written by real numpy and by a safetensors writer like Tests/Peers/models.py's
/// (Fixtures/make_fixtures.py), and, where python3 with numpy is present, live cross-checks.
@Suite struct InteropTests {
    static let npyFixtures: [(file: String, shape: [Int])] = [
        ("vector5_f32.npy", [5]),
        ("batch_2x3x4x5_f32.npy", [2, 3, 4, 5]),
        ("scalar_f32.npy", []),
        ("empty_0x3_f32.npy", [0, 3]),
    ]

    @Test(arguments: npyFixtures)
    func arraysSavedByNumpyAreRead(file: String, shape: [Int]) throws {
        let array = try NPY.parse(try fixture(file))
        #expect(array == NPYArray(shape: shape, values: fixtureValues(count: shape.reduce(1, *))))
        #expect(try NPY.read(path: try fixturePath(file)) == array)
    }

    @Test(arguments: npyFixtures)
    func ourNpyBytesEqualNumpySaveBytes(file: String, shape: [Int]) throws {
        let ours = try NPY.encode(NPYArray(shape: shape, values: fixtureValues(count: shape.reduce(1, *))))
        #expect(ours == (try fixture(file)))
    }

    @Test(arguments: [("vector3_f64.npy", "'<f8'"), ("bigendian_f32.npy", "'>f4'")])
    func numpyFilesWithOtherDTypesAreRefusedByName(file: String, descr: String) throws {
        let path = try fixturePath(file)
        let error = try #require(throws: FileError.self) { try NPY.read(path: path) }
        #expect(error.kind == .unsupportedDType)
        #expect(error.description == "\(path): error: array has dtype \(descr); netrun reads little-endian float32 ('<f4') only")
    }

    @Test func aNumpyFortranOrderFileIsRefused() throws {
        let error = try #require(throws: FileError.self) { try NPY.parse(try fixture("fortran_2x3_f32.npy")) }
        #expect(error.kind == .fortranOrder)
    }

    static let smallModel = [
        NamedTensor(name: "conv1.weight", shape: [2, 1, 3, 3], values: fixtureValues(count: 18)),
        NamedTensor(name: "conv1.bias", shape: [2], values: fixtureValues(count: 2)),
        NamedTensor(name: "inception_3a/1x1.weight", shape: [3, 2, 1, 1], values: fixtureValues(count: 6)),
        NamedTensor(name: "fc.weight", shape: [3, 5], values: fixtureValues(count: 15)),
        NamedTensor(name: "fc.bias", shape: [3], values: fixtureValues(count: 3)),
    ]

    @Test func safetensorsFromTheReferenceWriterAreReadInFileOrder() throws {
        let file = try Safetensors.read(path: try fixturePath("small_model.safetensors"))
        #expect(file.tensors == Self.smallModel)
        #expect(file.metadata.isEmpty)
    }

    @Test func ourSafetensorsBytesEqualTheReferenceWriterBytes() throws {
        #expect(try Safetensors.encode(Self.smallModel) == (try fixture("small_model.safetensors")))
    }

    @Test func anF16SafetensorsFileLoadsAsFloat32() throws {
        let file = try Safetensors.parse(try fixture("f16.safetensors"), path: "weights.safetensors")
        #expect(file.tensors == [NamedTensor(name: "conv1.weight", shape: [2], values: [1, -2])])
        #expect(file.metadata == ["format": "pt"])
    }

    // MARK: - Live cross-checks (optional: need python3 with numpy)

    @Test(.enabled(if: pythonWithNumpy, "needs python3 with numpy"))
    func numpyLoadsWhatWeWrite() throws {
        try withTemporaryDirectory { directory throws in
            let shapes: [[Int]] = [[], [5], [0, 3], [2, 3, 4, 5], [1, 1, 7]]
            for (index, shape) in shapes.enumerated() {
                try NPY.write(NPYArray(shape: shape, values: fixtureValues(count: shape.reduce(1, *))), to: "\(directory)/\(index).npy")
            }
            let script = """
            import sys, numpy as np
            for i, path in enumerate(sys.argv[1:]):
                a = np.load(path)
                n = a.size
                expected = ((np.arange(n) % 17) * 0.25 - 2).astype('<f4').reshape(a.shape)
                assert a.dtype == np.dtype('<f4') and a.flags.c_contiguous, path
                assert np.array_equal(a, expected), path
                print(list(a.shape))
            """
            let result = try runPython(script, shapes.indices.map { "\(directory)/\($0).npy" })
            #expect(result.status == 0)
            #expect(result.output == shapes.map { "\($0)\n" }.joined())
        }
    }

    @Test(.enabled(if: pythonWithNumpy, "needs python3 with numpy"))
    func pythonReadsTheSafetensorsWeWrite() throws {
        try withTemporaryDirectory { directory throws in
            let path = directory + "/w.safetensors"
            try Safetensors.write(Self.smallModel, metadata: ["format": "pt"], to: path)
            let script = """
            import sys, json, struct, zlib, numpy as np
            raw = open(sys.argv[1], 'rb').read()
            (n,) = struct.unpack('<Q', raw[:8])
            header = json.loads(raw[8:8 + n])
            metadata = header.pop('__metadata__')
            assert metadata.pop('format') == 'pt'
            for name, info in header.items():
                b, e = info['data_offsets']
                # Each tensor's checksum: zlib's CRC-32 of its bytes, 8 hex digits.
                assert metadata.pop('netrun.crc32:' + name) == '%08x' % zlib.crc32(raw[8 + n + b:8 + n + e]), name
                a = np.frombuffer(raw[8 + n + b:8 + n + e], dtype='<f4').reshape(info['shape'])
                expected = ((np.arange(a.size) % 17) * 0.25 - 2).astype('<f4').reshape(a.shape)
                assert info['dtype'] == 'F32' and np.array_equal(a, expected), name
                print(name, info['shape'])
            assert not metadata, metadata
            """
            let result = try runPython(script, [path])
            #expect(result.status == 0)
            #expect(result.output == Self.smallModel.map { "\($0.name) \($0.shape)\n" }.joined())
        }
    }

    @Test(.enabled(if: pythonWithNumpy, "needs python3 with numpy"))
    func weReadWhatNumpyWritesInEveryHeaderVersion() throws {
        try withTemporaryDirectory { directory throws in
            let script = """
            import sys, numpy as np
            from numpy.lib import format as fmt
            a = ((np.arange(24) % 17) * 0.25 - 2).astype('<f4').reshape(2, 3, 4)
            for v in [(1, 0), (2, 0), (3, 0)]:
                with open(f'{sys.argv[1]}/v{v[0]}.npy', 'wb') as f:
                    fmt.write_array(f, a, version=v)
            """
            #expect(try runPython(script, [directory]).status == 0)
            for version in 1 ... 3 {
                let array = try NPY.read(path: "\(directory)/v\(version).npy")
                #expect(array == NPYArray(shape: [2, 3, 4], values: fixtureValues(count: 24)))
            }
        }
    }
}
