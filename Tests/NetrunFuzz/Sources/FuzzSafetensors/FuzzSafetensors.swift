import Foundation
import NetrunFormats

/// One input: any bytes as a safetensors file. A FileError is the expected outcome for
/// most inputs; a trap, a sanitizer report, a hang or an allocation over the RSS limit is
/// a bug. What parses must survive encode then parse with the same names, shapes, metadata
/// and value bits (dtypes other than F32 are F32 after the first parse).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    let file: SafetensorsFile
    do { file = try Safetensors.parse(data, path: "fuzz.safetensors") } catch {
        _ = String(describing: error)
        return 0
    }
    do {
        let again = try Safetensors.parse(try Safetensors.encode(file.tensors, metadata: file.metadata))
        guard again.metadata == file.metadata,
              again.tensors.map(\.name) == file.tensors.map(\.name),
              again.tensors.map(\.shape) == file.tensors.map(\.shape),
              again.tensors.map({ $0.values.map(\.bitPattern) }) == file.tensors.map({ $0.values.map(\.bitPattern) })
        else { fatalError("encode then parse changed the file") }
    } catch {
        fatalError("a parsed file does not encode and parse again: \(error)")
    }
    return 0
}
