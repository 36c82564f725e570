import Testing
import NetrunGraph

/// `Window.outputSize`: the one formula for convolution and pooling sizes.
@Suite struct WindowTests {
    @Test func poolingFollowsPyTorchsFloorAndCeilRules() {
        #expect(Window.outputSize(input: 8, kernel: 3, stride: 2, pad: 0) == 3)
        #expect(Window.outputSize(input: 8, kernel: 3, stride: 2, pad: 0, ceil: true) == 4)
        #expect(Window.outputSize(input: 112, kernel: 3, stride: 2, pad: 0, ceil: true) == 56)
        #expect(Window.outputSize(input: 55, kernel: 3, stride: 2, pad: 0) == 27)
        // The last window would start in the right padding: dropped.
        #expect(Window.outputSize(input: 5, kernel: 2, stride: 2, pad: 1, ceil: true) == 3)
    }

    @Test func convolutionCountsDilationAndRefusesAWindowLargerThanThePaddedInput() {
        #expect(Window.outputSize(input: 227, kernel: 11, stride: 4, pad: 0) == 55)      // AlexNet conv1
        #expect(Window.outputSize(input: 9, kernel: 3, stride: 1, pad: 2, dilation: 2) == 9)
        #expect(Window.outputSize(input: 4, kernel: 3, stride: 1, pad: 0, dilation: 2) == nil)
        #expect(Window.outputSize(input: 2, kernel: 5, stride: 1, pad: 1) == nil)
    }
}
