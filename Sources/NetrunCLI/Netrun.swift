import ArgumentParser
import Foundation

/// Output of a command, gathered so that tests can read it and `main` can print it.
public struct Console: Sendable {
    public var out = ""
    public var err = ""

    public init() {}

    public mutating func print(_ s: String = "", terminator: String = "\n") { out += s + terminator }
    public mutating func printError(_ s: String, terminator: String = "\n") { err += s + terminator }
}

/// Exit codes: 0 clean, 1 the config has errors, 2 usage or I/O errors.
public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let configErrors: Int32 = 1
    public static let usage: Int32 = 2
}

/// A subcommand that writes to a `Console` and returns an exit code.
protocol NetrunCommand: ParsableCommand {
    func execute(_ console: inout Console) -> Int32
}

extension NetrunCommand {
    mutating func run() throws {
        var console = Console()
        let code = execute(&console)
        FileHandle.standardOutput.write(Data(console.out.utf8))
        FileHandle.standardError.write(Data(console.err.utf8))
        if code != 0 { throw ExitCode(code) }
    }
}

public struct Netrun: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "netrun",
        abstract: "A declarative network-config interpreter: YAML in, a checked graph of known shapes out.",
        discussion: """
        Exit codes: 0 when clean, 1 when a config has errors, 2 on usage or I/O errors.
        """,
        version: "0.1.0",
        subcommands: [Validate.self, Summary.self, GraphCommand.self, ConfigCommand.self, SchemaCommand.self, Predict.self, Check.self, Bench.self]
    )

    public init() {}

    /// Parses `arguments` (without the program name), runs the command, and returns what it printed and its exit code.
    public static func run(_ arguments: [String]) -> (code: Int32, console: Console) {
        var console = Console()
        do {
            var command = try parseAsRoot(arguments)
            if let c = command as? any NetrunCommand {
                return (c.execute(&console), console)
            }
            try command.run()
            return (ExitStatus.ok, console)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                console.print(message)
                return (ExitStatus.ok, console)
            }
            if let exit = error as? ExitCode { return (exit.rawValue, console) }
            console.printError(message)
            return (ExitStatus.usage, console)
        }
    }

    /// The process entry point: prints and returns the exit code.
    public static func main(arguments: [String]) -> Int32 {
        let (code, console) = run(arguments)
        FileHandle.standardOutput.write(Data(console.out.utf8))
        FileHandle.standardError.write(Data(console.err.utf8))
        return code
    }
}
