import ArgumentParser
import Foundation
import NetrunFormats
import NetrunKernels
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
            Self.write(text, to: error ? err : out)
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
            return Self.write(bytes, to: out)
        }
    }

    private static func write(_ text: String, to fd: Int32) {
        _ = write(Array(text.utf8), to: fd)   // a closed or broken stream: nothing more can be shown
    }

    /// Every byte out (Syscalls.writeAll); false when the stream is closed or broken.
    private static func write(_ bytes: [UInt8], to fd: Int32) -> Bool {
        Syscalls.writeAll(fd, bytes).error == nil
    }
}

/// Exit codes: 0 clean, 1 the config has errors, 2 usage or I/O errors.
public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let configErrors: Int32 = 1
    public static let usage: Int32 = 2
    /// Training stopped: the loss or a gradient became NaN or infinite.
    public static let diverged: Int32 = 3
    /// The ranks of a data-parallel (MPI) run could not exchange: one stopped, or the network failed.
    public static let distributed: Int32 = 4
    /// Stopped by SIGINT or SIGTERM (after saving), as shells report 128 + SIGINT.
    public static let interrupted: Int32 = 130
}

/// A subcommand that writes to a `Console` and returns an exit code.
protocol NetrunCommand: ParsableCommand {
    func execute(_ console: Console) -> Int32
}

extension NetrunCommand {
    mutating func run() throws {
        let code = execute(Console(.standard))
        if code != 0 { throw ExitCode(code) }
    }
}

public struct Netrun: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "netrun",
        abstract: "A declarative network-config interpreter: YAML in, a checked graph of known shapes out, trained and evaluated.",
        discussion: """
        Exit codes: 0 when clean, 1 when a config has errors, 2 on usage or I/O errors, \
        3 when training stopped on a NaN or infinite loss, 4 when the ranks of an MPI run lost each other, \
        130 when training was interrupted (after saving).

        Threads: netrun uses the CPUs it may run on (its affinity mask: taskset, a container's \
        cpuset, a core mpirun bound a rank to); NETRUN_THREADS=N sets the number.

        Kernels: netrun's own loops run the widest of AVX-512, AVX2/FMA and scalar C that the \
        CPU runs; NETRUN_ISA=avx512|avx2|scalar lowers the choice. Matrix products run OpenBLAS \
        with the kernels the CPU's features call for (SkylakeX with AVX-512, Haswell with AVX2); \
        OPENBLAS_CORETYPE, when set, wins. `netrun bench` names both.
        """,
        version: "0.1.0",
        subcommands: [Validate.self, Summary.self, GraphCommand.self, ConfigCommand.self, SchemaCommand.self, Train.self, Eval.self,
                      ScheduleCommand.self, Predict.self, Check.self, Bench.self, Import.self, Export.self, Lsp.self]
    )

    public init() {}

    /// Parses `arguments` (without the program name), runs the command with its output
    /// kept in a buffer, and returns its exit code and what it printed (for tests).
    public static func run(_ arguments: [String]) -> (code: Int32, console: Console) {
        let console = Console(.buffer)
        return (run(arguments, console: console), console)
    }

    /// Parses `arguments`, runs the command printing to `console`, and returns the exit
    /// code: usage errors (argument-parser's, and every `validate()`) are 2.
    public static func run(_ arguments: [String], console: Console) -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if let c = command as? any NetrunCommand { return c.execute(console) }
            try command.run()
            return ExitStatus.ok
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                console.print(message)
                return ExitStatus.ok
            }
            if let exit = error as? ExitCode { return exit.rawValue }
            console.printError(message)
            return ExitStatus.usage
        }
    }

    /// The process entry point: output goes to the terminal as it is printed.
    public static func main(arguments: [String]) -> Int32 {
        // A file size limit (or a full quota) makes write(2) fail with EFBIG, reported with the
        // file's name, rather than kill the process half-way through a file.
        signal(SIGXFSZ, SIG_IGN)
        let console = Console(.standard)
        if case .failure(let e) = Parallel.threadSetting(ProcessInfo.processInfo.environment) {
            console.printError("error: \(e)")
            return ExitStatus.usage
        }
        if let e = KernelDispatch.requestError {
            console.printError("error: \(e)")
            return ExitStatus.usage
        }
        return run(arguments, console: console)
    }

    /// Called by each command that computes, before it does: stops (with the exit code to
    /// return) when OpenBLAS cannot be loaded, and warns when the user forced OpenBLAS onto
    /// kernels narrower than the CPU's. Loading the library here keeps `validate` and the
    /// other commands that only read free of it.
    static func prepareCompute(_ console: Console) -> Int32? {
        if let e = KernelDispatch.requestError {
            console.printError("error: \(e)")
            return ExitStatus.usage
        }
        if let e = GEMM.loadError {
            console.printError("error: \(e)")
            return ExitStatus.usage
        }
        if let w = GEMM.library.warning { console.printError("warning: \(w)") }
        return nil
    }
}
