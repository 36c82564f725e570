// Darknet's shortcut in the graph: main + added, the added input sampled to main's size.
import NetrunConfig

struct ShortcutRules: OpRules {
    var op: Op { .shortcut }
    var opKind: OpKind? { .shortcut }
    var detail: String { "" }
    var traits: OpTraits { OpTraits() }
    var settings: JSONValue { .object([]) }

    func infer(_ ins: [TensorShape], classes: Int) -> Result<OpShape, ShapeProblems> {
        let x = ins[0], added = ins[1]
        if let p = image(ins, 0) ?? image(ins, 1) { return .failure(p) }
        guard ShortcutAxis(main: x.height, added: added.height) != nil, ShortcutAxis(main: x.width, added: added.width) != nil else {
            return .failure(ShapeProblems([.shortcutRatio]))
        }
        return same(x)
    }
}
