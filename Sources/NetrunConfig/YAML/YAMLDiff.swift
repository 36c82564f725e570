/// The keys whose values differ between YAML trees (the resolved configs of runs, for
/// `netrun compare`), compared as structure, not as lines of text:
///
/// - Mappings are compared key by key, whatever the keys' order. A key that some trees lack
///   is one difference, its whole value in flow style (`{p: 0.5, scale: [0.02, 0.33]}`), nil
///   for the trees without it.
/// - A list of entries (`- conv: {name: c1, ...}`, `- mirror: {p: 0.5}`; an item may also be
///   a bare op, `- flatten`) is matched by each entry's identity: its `name` when its settings
///   have one, else `<op>#<k>`, the k-th (from 1) unnamed entry of that op. An entry inserted
///   in the middle is one difference and leaves the entries after it alone (a diff by line
///   or by index marks them all). Entries of the same op are compared setting by setting,
///   under the path `model.layers.c1.out` that `--set` takes; an entry with another op, or
///   missing, is one difference with the whole entry. When the entries all trees share come
///   in another order, the list's path is one more difference, with each tree's order.
/// - Other lists and scalars compare as whole values. Scalars compare by value under YAML's
///   core schema: `0.1`, `1e-1` and `0.10` are one number; `true` and `True` one boolean.
public enum YAMLDiff {
    public struct Difference: Equatable, Sendable {
        /// The key path, dotted as `--set` takes it: `train.optimizer.lr`, `model.layers.conv1.out`.
        public var path: String
        /// Each tree's value in flow style, nil for a tree without the key.
        public var values: [String?]

        public init(path: String, values: [String?]) {
            self.path = path
            self.values = values
        }
    }

    /// The differences between `trees`, in the order of the keys in the first tree (keys
    /// only later trees have come after the key before them). A key is listed when not every
    /// tree has the same value under it; none for fewer than two trees.
    public static func differences(_ trees: [YAMLNode]) -> [Difference] {
        guard trees.count > 1 else { return [] }
        var out: [Difference] = []
        compare(trees, path: [], into: &out)
        return out
    }

    // MARK: walking the trees

    private static func compare(_ nodes: [YAMLNode?], path: [String], into out: inout [Difference]) {
        if let first = nodes[0], nodes.dropFirst().allSatisfy({ $0.map { same($0, first) } ?? false }) { return }
        let present = nodes.compactMap { $0 }
        guard present.count == nodes.count else { return whole(nodes, path: path, into: &out) }
        if present.allSatisfy({ $0.pairs != nil }) {
            for key in union(present.map { $0.pairs?.compactMap(\.key.text) ?? [] }) {
                compare(present.map { $0[key] }, path: path + [key], into: &out)
            }
        } else if let lists = entryLists(present) {
            compareEntries(lists, path: path, into: &out)
        } else {
            whole(nodes, path: path, into: &out)
        }
    }

    /// One difference with the whole value of each node.
    private static func whole(_ nodes: [YAMLNode?], path: [String], into out: inout [Difference]) {
        out.append(Difference(path: path.joined(separator: "."), values: nodes.map { $0?.flowText }))
    }

    // MARK: lists of entries

    /// An item of a list of entries, and what the list calls it.
    private struct Entry {
        var id: String
        var op: String
        /// The settings mapping (empty when the entry has none).
        var settings: YAMLNode
        var node: YAMLNode
    }

    /// Each list's entries, when every node is a list of entries (a bare op allowed) with
    /// distinct identities and one at least has an `- op: {...}` item (so a list of names,
    /// `from: [a, b]`, is a plain list); nil otherwise.
    private static func entryLists(_ nodes: [YAMLNode]) -> [[Entry]]? {
        var lists: [[Entry]] = []
        var sawEntry = false
        for node in nodes {
            guard let items = node.items else { return nil }
            var entries: [Entry] = []
            var unnamed: [String: Int] = [:]
            for item in items {
                let op: String, settings: YAMLNode
                if let e = item.entry {
                    sawEntry = true
                    op = e.op
                    settings = e.settings ?? YAMLNode(.mapping([]), at: item.location)
                } else if item.coreType == .str, let text = item.text {
                    op = text
                    settings = YAMLNode(.mapping([]), at: item.location)
                } else {
                    return nil
                }
                let id: String
                if let name = item.entryName {
                    id = name
                } else {
                    unnamed[op, default: 0] += 1
                    id = "\(op)#\(unnamed[op, default: 1])"
                }
                entries.append(Entry(id: id, op: op, settings: settings, node: item))
            }
            guard Set(entries.map(\.id)).count == entries.count else { return nil }
            lists.append(entries)
        }
        return sawEntry ? lists : nil
    }

    private static func compareEntries(_ lists: [[Entry]], path: [String], into out: inout [Difference]) {
        let ids = lists.map { $0.map(\.id) }
        // The order of the entries every list has.
        let shared = Set(ids[0]).filter { id in ids.allSatisfy { $0.contains(id) } }
        let orders = ids.map { $0.filter(shared.contains) }
        if orders.dropFirst().contains(where: { $0 != orders[0] }) {
            out.append(Difference(path: path.joined(separator: "."),
                                  values: ids.map { "[" + $0.joined(separator: ", ") + "]" }))
        }
        for id in union(ids) {
            let entries = lists.map { list in list.first { $0.id == id } }
            let present = entries.compactMap { $0 }
            if present.count == entries.count, present.allSatisfy({ $0.op == present[0].op }) {
                compare(present.map(\.settings), path: path + [id], into: &out)
            } else if !present.isEmpty {
                whole(entries.map { $0?.node }, path: path + [id], into: &out)
            }
        }
    }

    /// The strings of every list, each once: the first list's in its order, then each later
    /// list's new ones after the string that comes before them there.
    private static func union(_ lists: [[String]]) -> [String] {
        var out: [String] = []
        for list in lists {
            var at = 0
            for s in list {
                if let i = out.firstIndex(of: s) {
                    at = i + 1
                } else {
                    out.insert(s, at: at)
                    at += 1
                }
            }
        }
        return out
    }

    // MARK: equality

    /// Whether two nodes hold the same value: mappings whatever their keys' order, lists item
    /// by item, scalars by value; where they were written does not matter.
    static func same(_ a: YAMLNode, _ b: YAMLNode) -> Bool {
        switch (a.kind, b.kind) {
        case (.scalar, .scalar):
            return sameScalar(a, b)
        case (.sequence(let x), .sequence(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.mapping(let x), .mapping(let y)):
            guard x.count == y.count else { return false }
            return x.allSatisfy { pair in
                guard let key = pair.key.text, let other = b[key] else { return false }
                return same(pair.value, other)
            }
        default:
            return false
        }
    }

    private static func sameScalar(_ a: YAMLNode, _ b: YAMLNode) -> Bool {
        guard let ta = a.coreType, let tb = b.coreType, let x = a.text, let y = b.text else { return false }
        switch (ta, tb) {
        case (.null, .null):
            return true
        case (.bool, .bool):
            return x.lowercased() == y.lowercased()
        case (.int, .int), (.int, .float), (.float, .int), (.float, .float):
            guard let u = number(x), let v = number(y) else { return x == y }
            return u == v || (u.isNaN && v.isNaN)
        default:
            return ta == tb && x == y
        }
    }

    /// A core-schema number's value: decimal, `0x`/`0o`, `.inf`, `.nan`, with `_` between digits.
    private static func number(_ text: String) -> Double? {
        let t = text.replacingOccurrences(of: "_", with: "")
        if YAMLNode.isNonFinite(t) {
            return t.lowercased().hasSuffix("nan") ? .nan : t.hasPrefix("-") ? -.infinity : .infinity
        }
        if t.hasPrefix("0x") { return Int(t.dropFirst(2), radix: 16).map(Double.init) }
        if t.hasPrefix("0o") { return Int(t.dropFirst(2), radix: 8).map(Double.init) }
        return Double(t)
    }
}
