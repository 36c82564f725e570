import NetrunConfig
import NetrunData
import NetrunFormats
import FuzzSupport

/// One input: a byte of options (bit 0: CIFAR-100, else CIFAR-10), a first batch file (two
/// length bytes, little-endian, then that many bytes) and a second (the rest), through
/// `CIFAR.load` as the data loader reads them (gzip inflated, as `FileBytes.read` does).
/// A FileError is the expected outcome for most inputs; a trap, a sanitizer report, a hang
/// or an allocation over the RSS limit is a bug. What loads must agree with its records.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFAR(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let variant: DataSource.CIFARVariant = input.byte() & 1 == 1 ? .cifar100 : .cifar10
    let first = input.piece(), second = input.rest()
    let dataset: Dataset
    do {
        dataset = try CIFAR.load(files: ["data_batch_1.bin", "data_batch_2.bin"], variant: variant, classes: variant.rawValue) { path throws(FileError) in
            try FileBytes.contents(path == "data_batch_1.bin" ? first : second, path: path)
        }
    } catch {
        rejected(error)
        return 0
    }
    check(dataset, classes: variant.rawValue, what: "CIFAR")
    require(dataset.shape == [3, 32, 32], "a loaded CIFAR data set has images of \(dataset.shape)")
    return 0
}
