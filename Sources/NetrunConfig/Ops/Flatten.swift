// The flatten op: its row of the op table (no settings, no payload).

extension OpSpec {
    static let flatten = OpSpec(summary: "[C, H, W] to [C*H*W], C-H-W order.", decode: { _, _ in .flatten })
}
