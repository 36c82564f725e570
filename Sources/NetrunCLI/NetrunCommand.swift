import ArgumentParser

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
