/// A JSON Schema `pattern`, matched the way the schemas in docs/schemas/ need and fast enough to run
/// on every output of every test.
///
/// JSON Schema patterns are ECMA-262 regular expressions, searched for anywhere in the string (not
/// anchored). The reference validator (Python's `jsonschema`) runs them with Python's `re`. This
/// type accepts only the part of the syntax on which ECMA-262 (with the `u` flag) and Python agree,
/// and refuses the rest when the schema loads, so a schema cannot say something the two validators
/// would read differently:
/// - literal characters, and `\` before one of `\ / . ^ $ | ? * + ( ) [ ] { }`;
/// - classes `[...]` and `[^...]` of characters and ranges (no escapes or `[` inside);
/// - groups `(...)` and alternatives `|`;
/// - the greedy quantifiers `?`, `*`, `+`, `{n}`, `{n,}` and `{n,m}` (n, m at most 1000);
/// - the anchors `^` and `$`, at the start and end of the string only (no multiline mode).
///
/// Refused: `.` (Python's matches `\r`, ECMA-262's does not), `\d`, `\w`, `\s` and `\b` (Python's
/// are Unicode-aware, ECMA-262's are ASCII), groups with `(?`, lazy quantifiers, back references.
/// One difference remains and is accepted: Python's `$` also matches before a line feed that ends
/// the string, so Python accepts `"abc\n"` for `^abc$`, which ECMA-262 and this type refuse.
///
/// Characters are Unicode scalars, as in Python and ECMA-262 with the `u` flag. The pattern is
/// compiled to a Thompson automaton and simulated in one pass (a Pike VM without captures): the time
/// is linear in the string's length, there is no backtracking and no recursion per character, so a
/// payload of megabytes costs no stack.
public struct SchemaPattern: Sendable, CustomStringConvertible {
    /// The pattern as the schema writes it.
    public let source: String
    private let program: [Instruction]
    /// The character sets that `scalars` instructions read, by index.
    private let sets: [ScalarSet]
    /// The pattern starts with `^` in every alternative: only one start position needs trying.
    private let anchoredAtStart: Bool

    public var description: String { source }

    /// Why a pattern was refused: `offset` counts Unicode scalars from its start.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var pattern: String
        public var offset: Int
        public var reason: String

        public var description: String {
            "pattern \(pattern) at character \(offset): \(reason) (docs/schemas.md, \"Patterns\", lists the syntax both validators read alike)"
        }
    }

    public init(_ source: String) throws(SyntaxError) {
        self.source = source
        var parser = Parser(scalars: Array(source.unicodeScalars), source: source)
        let tree = try parser.parse()
        var program: [Instruction] = []
        var sets: [ScalarSet] = []
        Self.compile(tree, into: &program, sets: &sets)
        program.append(.match)
        self.program = program
        self.sets = sets
        anchoredAtStart = Self.startsAnchored(tree)
    }

    /// Whether the pattern matches somewhere in `text`.
    public func matches(_ text: String) -> Bool {
        program.withUnsafeBufferPointer { code in
            sets.withUnsafeBufferPointer { sets in
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * code.count) { storage in
                    var machine = Machine(code: code, sets: sets, storage: storage)
                    return machine.run(text, anchoredAtStart: anchoredAtStart)
                }
            }
        }
    }

    /// The simulation's state: which instructions have threads, in two lists (this character's and
    /// the next's) and marks of the step each was last added in, all in one temporary allocation.
    private struct Machine {
        let code: UnsafeBufferPointer<Instruction>
        let sets: UnsafeBufferPointer<ScalarSet>
        let marks: UnsafeMutablePointer<Int>
        var current: UnsafeMutablePointer<Int>
        var next: UnsafeMutablePointer<Int>
        var currentCount = 0
        var nextCount = 0
        var step = 0

        init(
            code: UnsafeBufferPointer<Instruction>,
            sets: UnsafeBufferPointer<ScalarSet>,
            storage: UnsafeMutableBufferPointer<Int>
        ) {
            self.code = code
            self.sets = sets
            let base = storage.baseAddress!
            marks = base
            marks.initialize(repeating: -1, count: code.count)
            current = base + code.count
            next = base + 2 * code.count
        }

        mutating func run(_ text: String, anchoredAtStart: Bool) -> Bool {
            var iterator = text.unicodeScalars.makeIterator()
            var upcoming = iterator.next()
            if add(0, atStart: true, atEnd: upcoming == nil) { return true }
            swap(&current, &next)
            (currentCount, nextCount) = (nextCount, 0)
            while let scalar = upcoming {
                upcoming = iterator.next()
                step += 1
                let atEnd = upcoming == nil
                for slot in 0..<currentCount {
                    let pc = current[slot]
                    guard case .scalars(let set) = code[pc], sets[set].contains(scalar) else { continue }
                    if add(pc + 1, atStart: false, atEnd: atEnd) { return true }
                }
                if !anchoredAtStart, add(0, atStart: false, atEnd: atEnd) { return true }
                if nextCount == 0 && anchoredAtStart { return false }
                swap(&current, &next)
                (currentCount, nextCount) = (nextCount, 0)
            }
            return false
        }

        /// Adds the thread at `pc` to the next list, with everything it reaches without reading a
        /// character; true when one of them is the match.
        mutating func add(_ pc: Int, atStart: Bool, atEnd: Bool) -> Bool {
            guard marks[pc] != step else { return false }
            marks[pc] = step
            switch code[pc] {
            case .match:
                return true
            case .scalars:
                next[nextCount] = pc
                nextCount += 1
                return false
            case .jump(let target):
                return add(target, atStart: atStart, atEnd: atEnd)
            case .split(let first, let second):
                return add(first, atStart: atStart, atEnd: atEnd) || add(second, atStart: atStart, atEnd: atEnd)
            case .assertStart:
                return atStart && add(pc + 1, atStart: atStart, atEnd: atEnd)
            case .assertEnd:
                return atEnd && add(pc + 1, atStart: atStart, atEnd: atEnd)
            }
        }
    }

    /// One step of the automaton.
    private enum Instruction: Sendable {
        /// Reads one character of the set with this index in ``sets``.
        case scalars(Int)
        case split(Int, Int)
        case jump(Int)
        case assertStart
        case assertEnd
        case match
    }

    /// The parsed pattern.
    private indirect enum Node {
        case scalars(ScalarSet)
        case start
        case end
        case sequence([Node])
        case alternatives([Node])
        case repetition(Node, min: Int, max: Int?)
    }

    private static func compile(_ node: Node, into program: inout [Instruction], sets: inout [ScalarSet]) {
        switch node {
        case .scalars(let set):
            program.append(.scalars(sets.count))
            sets.append(set)
        case .start:
            program.append(.assertStart)
        case .end:
            program.append(.assertEnd)
        case .sequence(let nodes):
            for node in nodes { compile(node, into: &program, sets: &sets) }
        case .alternatives(let nodes):
            var jumpsToEnd: [Int] = []
            for (index, node) in nodes.enumerated() {
                if index < nodes.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    compile(node, into: &program, sets: &sets)
                    jumpsToEnd.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    compile(node, into: &program, sets: &sets)
                }
            }
            for jump in jumpsToEnd { program[jump] = .jump(program.count) }
        case .repetition(let body, let min, let max):
            for _ in 0..<min { compile(body, into: &program, sets: &sets) }
            if let max {
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(program.count)
                    program.append(.split(program.count + 1, -1))
                    compile(body, into: &program, sets: &sets)
                }
                for split in splits { program[split] = .split(split + 1, program.count) }
            } else {
                let loop = program.count
                program.append(.split(loop + 1, -1))
                compile(body, into: &program, sets: &sets)
                program.append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
    }

    /// Whether every way through `node` reads `^` before anything else.
    private static func startsAnchored(_ node: Node) -> Bool {
        switch node {
        case .start: true
        case .sequence(let nodes): nodes.first.map(startsAnchored) ?? false
        case .alternatives(let nodes): nodes.allSatisfy(startsAnchored)
        case .repetition(let body, let min, _): min > 0 && startsAnchored(body)
        case .scalars, .end: false
        }
    }

    /// A set of characters: ASCII in a bitmap, the rest as ranges.
    private struct ScalarSet: Sendable {
        var lowBits: UInt64 = 0
        var highBits: UInt64 = 0
        var ranges: [ClosedRange<UInt32>] = []
        var negated = false

        init(negated: Bool = false) { self.negated = negated }

        init(_ scalar: Unicode.Scalar) {
            insert(scalar.value...scalar.value)
        }

        mutating func insert(_ range: ClosedRange<UInt32>) {
            var lower = range.lowerBound
            while lower <= range.upperBound && lower < 128 {
                if lower < 64 { lowBits |= 1 << UInt64(lower) } else { highBits |= 1 << UInt64(lower - 64) }
                lower += 1
            }
            if lower <= range.upperBound { ranges.append(lower...range.upperBound) }
        }

        func contains(_ scalar: Unicode.Scalar) -> Bool {
            let value = scalar.value
            let inSet: Bool
            if value < 64 {
                inSet = lowBits & (1 << UInt64(value)) != 0
            } else if value < 128 {
                inSet = highBits & (1 << UInt64(value - 64)) != 0
            } else {
                inSet = ranges.contains { $0.contains(value) }
            }
            return inSet != negated
        }
    }

    /// Recursive descent over the pattern's scalars.
    private struct Parser {
        let scalars: [Unicode.Scalar]
        let source: String
        var index = 0
        static let maximumCount = 1000
        static let escapable = Set("\\/.^$|?*+()[]{}".unicodeScalars)

        init(scalars: [Unicode.Scalar], source: String) {
            self.scalars = scalars
            self.source = source
        }

        func error(_ reason: String) -> SyntaxError { SyntaxError(pattern: source, offset: index, reason: reason) }

        func peek() -> Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        mutating func parse() throws(SyntaxError) -> Node {
            let node = try alternatives()
            guard index == scalars.count else { throw error("unbalanced ')'") }
            return node
        }

        mutating func alternatives() throws(SyntaxError) -> Node {
            var options = [try sequence()]
            while peek() == "|" {
                index += 1
                options.append(try sequence())
            }
            return options.count == 1 ? options[0] : .alternatives(options)
        }

        mutating func sequence() throws(SyntaxError) -> Node {
            var nodes: [Node] = []
            while let scalar = peek(), scalar != "|", scalar != ")" {
                nodes.append(try quantified())
            }
            return .sequence(nodes)
        }

        mutating func quantified() throws(SyntaxError) -> Node {
            let isAnchor = peek() == "^" || peek() == "$"
            let atom = try self.atom()
            guard let scalar = peek(), "?*+{".unicodeScalars.contains(scalar) else { return atom }
            guard !isAnchor else { throw error("a quantifier after an anchor") }
            let bounds: (min: Int, max: Int?)
            index += 1
            switch scalar {
            case "?": bounds = (0, 1)
            case "*": bounds = (0, nil)
            case "+": bounds = (1, nil)
            default: bounds = try braces()
            }
            if let next = peek(), "?*+{".unicodeScalars.contains(next) {
                throw error("a lazy or doubled quantifier")
            }
            return .repetition(atom, min: bounds.min, max: bounds.max)
        }

        /// `{n}`, `{n,}` or `{n,m}`, after the `{`.
        mutating func braces() throws(SyntaxError) -> (min: Int, max: Int?) {
            let lower = try count()
            var upper: Int? = lower
            if peek() == "," {
                index += 1
                upper = peek() == "}" ? nil : try count()
            }
            guard peek() == "}" else { throw error("expected '}'") }
            index += 1
            if let upper, upper < lower { throw error("{\(lower),\(upper)}: the maximum is below the minimum") }
            return (lower, upper)
        }

        mutating func count() throws(SyntaxError) -> Int {
            var value = 0
            var digits = 0
            while let scalar = peek(), ("0"..."9").contains(scalar) {
                value = value * 10 + Int(scalar.value - 48)
                digits += 1
                index += 1
                guard value <= Self.maximumCount else { throw error("a count above \(Self.maximumCount)") }
            }
            guard digits > 0 else { throw error("expected a count") }
            return value
        }

        mutating func atom() throws(SyntaxError) -> Node {
            guard let scalar = peek() else { throw error("unexpected end") }
            switch scalar {
            case "^":
                index += 1
                return .start
            case "$":
                index += 1
                return .end
            case "(":
                index += 1
                guard peek() != "?" else { throw error("'(?' groups are not read alike by both validators") }
                let inner = try alternatives()
                guard peek() == ")" else { throw error("expected ')'") }
                index += 1
                return inner
            case "[":
                return .scalars(try characterClass())
            case "\\":
                index += 1
                return .scalars(ScalarSet(try escaped()))
            case ".":
                throw error("'.' is not read alike by both validators (write the characters meant as a class)")
            case "?", "*", "+", "{", "}", "]", ")":
                throw error("'\(scalar)' without anything to apply to (escape it)")
            default:
                index += 1
                return .scalars(ScalarSet(scalar))
            }
        }

        /// The character after `\`: only punctuation that stands for itself.
        mutating func escaped() throws(SyntaxError) -> Unicode.Scalar {
            guard let scalar = peek() else { throw error("a '\\' at the end") }
            guard Self.escapable.contains(scalar) else {
                throw error("'\\\(scalar)' is not read alike by both validators (write the characters as a class)")
            }
            index += 1
            return scalar
        }

        mutating func characterClass() throws(SyntaxError) -> ScalarSet {
            index += 1
            var set = ScalarSet(negated: peek() == "^")
            if set.negated { index += 1 }
            var empty = true
            while let scalar = peek(), scalar != "]" {
                guard scalar != "[", scalar != "\\" else {
                    throw error("'\(scalar)' inside a class is not read alike by both validators")
                }
                index += 1
                if peek() == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                    index += 1
                    let upper = scalars[index]
                    guard upper != "[", upper != "\\" else { throw error("'\(upper)' ends a range") }
                    guard scalar.value <= upper.value else { throw error("the range \(scalar)-\(upper) is reversed") }
                    index += 1
                    set.insert(scalar.value...upper.value)
                } else {
                    set.insert(scalar.value...scalar.value)
                }
                empty = false
            }
            guard peek() == "]" else { throw error("expected ']'") }
            guard !empty else { throw error("an empty class") }
            index += 1
            return set
        }
    }
}
