import ArgumentParser
import Foundation
import NetrunKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The root command: its subcommands and help, parsing and running one (for the process or
/// for tests), and the checks before computing.
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
        subcommands: [Validate.self, Summary.self, GraphCommand.self, ConfigCommand.self, SchemaCommand.self, Train.self, Sweep.self,
                      Compare.self, Eval.self, ScheduleCommand.self, Predict.self, Check.self, Bench.self, Import.self, Export.self,
                      Lsp.self]
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

    /// Called by each command that computes, once its inputs are read and checked and before it
    /// computes (so a mistake in them is reported alone): stops (with the exit code to return)
    /// when OpenBLAS cannot be loaded, and warns when the user forced OpenBLAS onto kernels
    /// narrower than the CPU's. Loading the library here keeps `validate` and the other
    /// commands that only read free of it. `train` calls it on its rank's console: rank 0 warns
    /// for the job.
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
