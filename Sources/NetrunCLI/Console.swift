import NetrunFormats
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command's output goes. `.standard` writes each print at once to the process's
/// standard output or error (unbuffered: a `\r`-redrawn progress line shows as it is
/// drawn); `.buffer` keeps it for tests to read from `out` and `err`.
public final class Console: Sendable {
    public enum Sink: Sendable, Equatable {
        /// Written at once with write(2) to these file descriptors.
        case descriptors(out: Int32, err: Int32)
        case buffer

        public static let standard = Sink.descriptors(out: STDOUT_FILENO, err: STDERR_FILENO)
    }

    public let sink: Sink
    private let buffers = Mutex((out: "", err: ""))

    public init(_ sink: Sink = .buffer) { self.sink = sink }

    public func print(_ s: String = "", terminator: String = "\n") { emit(s + terminator, error: false) }
    public func printError(_ s: String, terminator: String = "\n") { emit(s + terminator, error: true) }

    /// What was printed to standard output (`.buffer` only).
    public var out: String { buffers.withLock { $0.out } }
    /// What was printed to standard error (`.buffer` only).
    public var err: String { buffers.withLock { $0.err } }

    /// Whether the error stream is a terminal, where a progress line may redraw itself with `\r`.
    public var errorIsTerminal: Bool {
        guard case .descriptors(_, let err) = sink else { return false }
        return isatty(err) == 1
    }

    private func emit(_ text: String, error: Bool) {
        switch sink {
        case .buffer:
            buffers.withLock { if error { $0.err += text } else { $0.out += text } }
        case .descriptors(let out, let err):
            // A closed or broken stream: nothing more can be shown.
            _ = Syscalls.writeAll(error ? err : out, Array(text.utf8))
        }
    }

    /// Bytes to standard output as they are (a protocol stream: `netrun lsp`'s messages);
    /// false when the stream is closed or broken.
    public func writeOutput(_ bytes: [UInt8]) -> Bool {
        switch sink {
        case .buffer:
            buffers.withLock { $0.out += String(decoding: bytes, as: UTF8.self) }
            return true
        case .descriptors(let out, _):
            return Syscalls.writeAll(out, bytes).error == nil
        }
    }
}
