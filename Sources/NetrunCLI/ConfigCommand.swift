import ArgumentParser
import NetrunConfig

/// `netrun config FILE`: the fully resolved config, each value with its origin.
struct ConfigCommand: NetrunCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the resolved config (after extends, block expansion and --set), each value with its origin."
    )

    @OptionGroup var options: ConfigOptions

    func execute(_ console: Console) -> Int32 {
        var code = ExitStatus.ok
        guard let checked = Checked(options, console: console, exitCode: &code) else { return code }
        let config = checked.config
        console.print(config.resolved.resolvedText(), terminator: "")
        return ExitStatus.ok
    }
}
