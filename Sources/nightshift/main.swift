import Foundation
import NightshiftCLI

exit(await NightshiftCommand.main(arguments: Array(CommandLine.arguments.dropFirst())))
