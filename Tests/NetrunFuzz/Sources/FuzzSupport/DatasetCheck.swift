import NetrunData

/// What every loaded data set must be: pixels for each example, labels in 0 ..< classes.
/// Computes the mean image too, which reads every pixel.
public func check(_ dataset: Dataset, classes: Int, what: String) {
    let pixels: Int
    switch dataset.pixels {
    case .bytes(let b): pixels = b.count
    case .floats(let f): pixels = f.count
    }
    require(dataset.shape.count == 3 && pixels == dataset.count * dataset.exampleSize,
            "a loaded \(what) data set of \(dataset.count) examples of \(dataset.shape) has \(pixels) pixel values")
    require(dataset.labels.allSatisfy { $0 >= 0 && Int($0) < classes }, "a loaded \(what) data set has labels outside 0 ..< \(classes)")
    _ = dataset.meanImage()
}
