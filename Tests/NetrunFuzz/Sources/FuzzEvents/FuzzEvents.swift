import FuzzSupport
import NetrunRunner

/// One input: a byte, the step a resume continues after, then a TensorBoard event file,
/// through `TensorBoardSink.resumeLength` as `--resume` reads the run's latest event file
/// (TFRecord framing with CRC32C, then each record as a protobuf Event). A MetricsError is
/// the expected outcome for most inputs; a trap, a sanitizer report or a hang is a bug. The
/// length kept must be a whole number of records.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEvents(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let step = Int(input.byte())
    let file = input.rest()
    let keep: Int
    do { keep = try TensorBoardSink.resumeLength(of: file, resumingAfter: step, path: "events.out.tfevents.0.fuzz") } catch {
        rejected(error)
        return 0
    }
    require(keep >= 0 && keep <= file.count, "resumeLength \(keep) of \(file.count) bytes")
    let scan = TFRecord.scan(Array(file[..<keep]))
    require(scan.stop == nil && scan.validLength == keep, "the \(keep) bytes kept are not whole records: \(String(describing: scan.stop))")
    return 0
}
