import FuzzSupport
import NetrunData
import NetrunFormats

/// One input: a byte of options (the class count, 1 + its value mod 16), the images file
/// (two length bytes, little-endian, then that many bytes), the labels file (the rest).
/// Both go through `IDX.load` as the data loader reads them, gzip detected by magic bytes
/// (`FileBytes.contents`), so `.gz` files are inflated. A FileError is the expected outcome
/// for most inputs; a trap, a sanitizer report, a hang or an allocation over the RSS limit
/// is a bug. What loads must agree with its headers.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let classes = 1 + Int(input.byte() % 16)
    let images = input.piece(), labels = input.rest()
    let dataset: Dataset
    do {
        dataset = try IDX.load(images: "images.idx", labels: "labels.idx", classes: classes) { path throws(FileError) in
            try FileBytes.contents(path == "images.idx" ? images : labels, path: path)
        }
    } catch {
        rejected(error)
        return 0
    }
    check(dataset, classes: classes, what: "IDX")
    return 0
}
