import Foundation
import NetrunFormats

/// One input: any bytes as a .npy file. A FileError is the expected outcome for most
/// inputs; a trap, a sanitizer report, a hang or an allocation over the RSS limit is a bug.
/// What parses must survive encode then parse with the same shape and value bits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()
    let array: NPYArray
    do { array = try NPY.parse(data, path: "fuzz.npy") } catch {
        _ = String(describing: error)
        return 0
    }
    do {
        let again = try NPY.parse(try NPY.encode(array))
        guard again.shape == array.shape, again.values.map(\.bitPattern) == array.values.map(\.bitPattern) else {
            fatalError("encode then parse changed the array")
        }
    } catch {
        fatalError("a parsed array does not encode and parse again: \(error)")
    }
    return 0
}
