// Top-k accuracy counting.
public enum TopK {
    /// Number of rows of `logits [rows, classes]` whose label is among the k
    /// largest. Ties follow Caffe's AccuracyLayer: the label's rank is the number
    /// of classes with a STRICTLY larger logit, and the row counts when that rank
    /// is < k (a tie with the label is in the label's favour). A NaN logit at the
    /// label never counts. Labels must be in `0..<classes`.
    public static func correctCount(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int,
                                    classes: Int, k: Int) -> Int {
        precondition(rows >= 0 && classes >= 1 && k >= 1, "TopK: bad sizes")
        var correct = 0
        for r in 0 ..< rows {
            let label = Int(labels[r])
            precondition(label >= 0 && label < classes, "TopK: label out of range")
            let row = logits + r * classes, target = row[label]
            if target.isNaN { continue }
            var better = 0
            for j in 0 ..< classes where row[j] > target { better += 1 }
            if better < k { correct += 1 }
        }
        return correct
    }
}
