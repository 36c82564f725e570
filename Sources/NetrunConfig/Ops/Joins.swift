// The ops that join several inputs, concat, add and shortcut: their rows of the op table
// (inputs named with `from:`, no settings, no payload).

extension OpSpec {
    static let concat = OpSpec(arity: .many, summary: "Joins two or more inputs of equal height and width along channels.",
                               decode: { _, _ in .concat })
    static let add = OpSpec(arity: .many, summary: "Elementwise sum of two or more inputs of one shape (residual connections).",
                            decode: { _, _ in .add })
    static let shortcut = OpSpec(
        arity: .two,
        summary: "main + added, for an added input of another size (darknet's [shortcut]): from: [main, added], the output has main's shape; "
            + "a larger added input gives every s-th pixel, a smaller one lands on every s-th output pixel (s a whole ratio of heights, "
            + "and of widths); channels only main has pass unchanged, those only added has are dropped.",
        decode: { _, _ in .shortcut })
}
