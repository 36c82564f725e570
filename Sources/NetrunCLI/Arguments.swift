// Checks of option values, run by argument-parser's `validate()` before a command starts:
// a value out of range is a usage error (exit 2) that names the option.
import ArgumentParser

/// `--set` is written key.path=value: without `=` it is a usage error, before any file is read.
func validateOverrides(_ overrides: [String]) throws {
    for o in overrides where !o.contains("=") {
        throw ValidationError("--set \(o): an override is written key.path=value")
    }
}

/// A usage error unless `value` of `--option` lies in `range`.
func validate(_ value: Int, in range: ClosedRange<Int>, option: String) throws {
    guard !range.contains(value) else { return }
    let bounds = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
    throw ValidationError("--\(option) must be \(bounds) (got \(value))")
}
