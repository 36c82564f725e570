import ArgumentParser
import NetrunConfig

/// `netrun config FILE`: the fully resolved config, each value with its origin.
struct ConfigCommand: NetrunCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the resolved config (after extends, block expansion and --set), each value with its origin."
    )

    @OptionGroup var options: ConfigOptions

    func execute(_ console: inout Console) -> Int32 {
        let loaded = Loaded(file: options.file, overrides: options.overrides)
        var renderer = DiagnosticRenderer()
        loaded.report(&console, renderer: &renderer)
        guard let config = loaded.config, !loaded.diagnostics.hasErrors else { return max(loaded.exitCode, ExitStatus.configErrors) }
        console.print(config.resolved.resolvedText(), terminator: "")
        return ExitStatus.ok
    }
}
