// The softmax op: its row of the op table (no settings, no payload).

extension OpSpec {
    static let softmax = OpSpec(summary: "Softmax over the classes of a vector.", decode: { _, _ in .softmax })
}
