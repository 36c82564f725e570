// Concatenation along channels (NCHW) and its backward slice; the fallback
// when the backend cannot let a branch write into the concatenated buffer.
public enum Concat {
    /// Copies `part [n, channels, hw]` into channels `offset ..< offset + channels`
    /// of `whole [n, totalChannels, hw]`.
    public static func forward(_ part: UnsafePointer<Float>, into whole: UnsafeMutablePointer<Float>, n: Int,
                               channels: Int, totalChannels: Int, offset: Int, hw: Int) {
        precondition(n >= 1 && channels >= 1 && hw >= 1 && offset >= 0 && offset + channels <= totalChannels,
                     "Concat: channel range outside the whole")
        let block = channels * hw
        for img in 0 ..< n {
            (whole + (img * totalChannels + offset) * hw).update(from: part + img * block, count: block)
        }
    }

    /// The reverse slice: `partGradient` = channels `offset ..< offset + channels`
    /// of `wholeGradient`, overwritten or added to when `accumulate`.
    public static func backward(_ wholeGradient: UnsafePointer<Float>, into partGradient: UnsafeMutablePointer<Float>,
                                n: Int, channels: Int, totalChannels: Int, offset: Int, hw: Int,
                                accumulate: Bool = false) {
        precondition(n >= 1 && channels >= 1 && hw >= 1 && offset >= 0 && offset + channels <= totalChannels,
                     "Concat: channel range outside the whole")
        let block = channels * hw
        for img in 0 ..< n {
            let src = wholeGradient + (img * totalChannels + offset) * hw, dst = partGradient + img * block
            if accumulate {
                Elementwise.accumulate(src, into: dst, count: block, threads: 1)
            } else {
                dst.update(from: src, count: block)
            }
        }
    }
}
