import ArgumentParser
import NetrunLSP

/// `netrun lsp`: the language server, over standard input and output.
struct Lsp: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the language server (LSP 3.17 over stdin/stdout) for editors: validate's diagnostics, shapes on hover, completion.",
        discussion: """
        Serves YAML files that are netrun configs (a top-level `model:` or `extends:` key). \
        Exit 0 after the client's shutdown and exit, 1 when the client goes away without them.
        """
    )

    func run() throws {
        let console = Console(.standard)
        let code = StdioTransport.run(version: Netrun.configuration.version, write: console.writeOutput) { console.printError($0) }
        if code != 0 { throw ExitCode(code) }
    }
}
