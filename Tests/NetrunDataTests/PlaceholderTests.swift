import Testing
@testable import NetrunData
