import FuzzSupport
import NetrunRunner

/// One input: a byte, the step a resume continues after, then a metrics.jsonl file. The file
/// goes through `MetricsLog.read` (the curves of a resumed run) and `MetricsLog.resumeLength`
/// (what `--resume` keeps of the file). A MetricsError is the expected outcome for most
/// inputs; a trap, a sanitizer report or a hang is a bug. What reads must hold to the
/// contract: the length kept ends at a line's end and keeps only lines up to the step, and
/// each event written again reads back with its step.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetrics(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let step = Int(input.byte())
    let file = input.rest()
    let events: [MetricsEvent], keep: Int
    do {
        events = try MetricsLog.read(bytes: file, path: "metrics.jsonl")
        keep = try MetricsLog.resumeLength(of: file, resumingAfter: step, path: "metrics.jsonl")
    } catch {
        rejected(error)
        return 0
    }
    require(keep >= 0 && keep <= file.count && (keep == 0 || file[keep - 1] == UInt8(ascii: "\n")),
            "resumeLength \(keep) of \(file.count) bytes is not the end of a line")
    do {
        let kept = try MetricsLog.read(bytes: Array(file[..<keep]), path: "metrics.jsonl")
        require(kept.allSatisfy { $0.step <= step }, "a resume after step \(step) keeps a later line")
        for event in events {
            guard let line = MetricsLog.line(for: event) else { continue }
            let again = try MetricsLog.read(bytes: Array(line.utf8), path: "again.jsonl")
            require(again.count == 1 && again[0].step == event.step, "the line written for an event reads back as \(again)")
        }
    } catch {
        fatalError("lines read once do not read again: \(error)")
    }
    return 0
}
