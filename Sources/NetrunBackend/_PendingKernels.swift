// TEMPORARY (not committed): scalar stand-ins until the kernels branch lands.
import NetrunKernels
public enum LeakyReLU {
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, slope: Float) {
        for i in 0 ..< count { y[i] = x[i] > 0 ? x[i] : slope * x[i] }
    }
    public static func backward(input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>, count: Int, slope: Float) {
        for i in 0 ..< count { dx[i] = x[i] > 0 ? dy[i] : slope * dy[i] }
    }
}
public enum Scale {
    public static func forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, n: Int, channels: Int, spatial: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        for i in 0 ..< n { for c in 0 ..< channels { for j in 0 ..< spatial { let o = (i * channels + c) * spatial + j; y[o] = x[o] * weight[c] + (bias?[c] ?? 0) } } }
    }
    public static func backward(input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, inputGradient dx: UnsafeMutablePointer<Float>?, n: Int, channels: Int, spatial: Int, weight: UnsafePointer<Float>, weightGradient dw: UnsafeMutablePointer<Float>, biasGradient db: UnsafeMutablePointer<Float>?) {
        for c in 0 ..< channels { dw[c] = 0; db?[c] = 0 }
        for i in 0 ..< n { for c in 0 ..< channels { for j in 0 ..< spatial { let o = (i * channels + c) * spatial + j
            dw[c] += dy[o] * x[o]; db?[c] += dy[o]; dx?[o] = dy[o] * weight[c] } } }
    }
}
