// The dropout op: its row of the op table and its decoding (its payload is the rate).

extension OpSpec {
    static let dropout = OpSpec(
        summary: "Inverted dropout during training; the identity at inference.",
        settings: [SettingSpec("rate", .number(min: 0, max: 0.999), required: true, noun: "a drop rate", doc: "the probability of zeroing a value")],
        decode: { $0.dropout($1) })
}

extension Reader {
    /// A dropout layer's op from its settings; nil (with errors recorded) when the rate is missing or wrong.
    mutating func dropout(_ s: SpecFields) -> LayerOp? {
        guard let rate = number(s, "rate") else { return nil }
        return .dropout(rate: rate)
    }
}
