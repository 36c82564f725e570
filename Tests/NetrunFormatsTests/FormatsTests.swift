import Testing
@testable import NetrunFormats
