extension YAMLNode {
    /// `over` laid on `self`: mappings merge key by key (recursively), anything else in
    /// `over` replaces what is here. Lists replace whole lists. Each value keeps its own origin.
    public func merged(with over: YAMLNode) -> YAMLNode {
        guard let base = pairs, let top = over.pairs else { return over }
        var result = base
        for pair in top {
            if let i = result.firstIndex(where: { $0.key.text == pair.key.text }) {
                result[i].value = result[i].value.merged(with: pair.value)
            } else {
                result.append(pair)
            }
        }
        return YAMLNode(.mapping(result), at: over.location)
    }

    /// The mapping without `key`.
    func removing(key: String) -> YAMLNode {
        guard let pairs else { return self }
        return YAMLNode(.mapping(pairs.filter { $0.key.text != key }), at: location)
    }

    /// Every node of the tree moved to `location` (values parsed from a `--set`).
    func relocated(_ place: (SourceLocation) -> SourceLocation) -> YAMLNode {
        let kind: Kind
        switch self.kind {
        case .scalar: kind = self.kind
        case .sequence(let items): kind = .sequence(items.map { $0.relocated(place) })
        case .mapping(let pairs): kind = .mapping(pairs.map { .init(key: $0.key.relocated(place), value: $0.value.relocated(place)) })
        }
        return YAMLNode(kind, at: place(location))
    }
}
