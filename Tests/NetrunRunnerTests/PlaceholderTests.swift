import Testing
@testable import NetrunRunner
