import FuzzSupport
import NetrunInterchange

/// One input: a Darknet cfg, through `DarknetImporter.importCfg` as `netrun import darknet`
/// runs it (the cfg reader, the translation with darknet's shapes, the written config loaded
/// and built again), and every diagnostic rendered with its source line. Inputs that are not
/// UTF-8 are refused before the importer, as by the CLI. A trap, a sanitizer report, a hang
/// or a config written beside an error is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDarknet(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    guard let cfg = text(input.rest()) else { return 0 }
    let imported = DarknetImporter.importCfg(text: cfg, file: "net.cfg")
    check(imported.result, what: "Darknet")
    return 0
}
