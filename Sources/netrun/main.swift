import Foundation
import NetrunCLI

exit(Netrun.main(arguments: Array(CommandLine.arguments.dropFirst())))
