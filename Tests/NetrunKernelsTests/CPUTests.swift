import Testing
@testable import NetrunKernels
@Test func theCPUDetectionAnswers() { _ = cpuHasAVX2FMA }
