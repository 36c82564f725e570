import FuzzSupport
import NetrunInterchange

/// One input: a Caffe net prototxt up to the first NUL; the bytes after it, when there is
/// one, are a solver prototxt. Both go through `CaffeImporter.importNet` as `netrun import
/// caffe NET --solver SOLVER` runs it (the prototxt reader, the translation, the written
/// config loaded and built again), and every diagnostic is rendered with its source line.
/// Inputs that are not UTF-8 are refused before the importer, as by the CLI. A trap, a
/// sanitizer report, a hang or a config written beside an error is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCaffe(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzInput(start, count).bytes
    let pieces = input.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
    guard let net = text(Array(pieces[0])) else { return 0 }
    var solver: (text: String, file: String)?
    if pieces.count > 1 {
        guard let s = text(Array(pieces[1])) else { return 0 }
        solver = (s, "solver.prototxt")
    }
    check(CaffeImporter.importNet(text: net, file: "net.prototxt", solver: solver), what: "Caffe")
    return 0
}
