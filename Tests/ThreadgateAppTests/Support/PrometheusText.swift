/// A strict reader of the Prometheus text exposition format (0.0.4), for tests: every line is
/// a `# HELP`, a `# TYPE` or a sample `name{label="value",…} value`; HELP and TYPE come at most
/// once per family, before its samples, and agree on the name; histogram series carry the
/// `_bucket`/`_sum`/`_count` suffixes, cumulative buckets with `le`, and `+Inf` equal to `_count`.
struct PrometheusText {
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct FormatError: Error, CustomStringConvertible {
        var line: Int
        var text: String
        var reason: String
        var description: String { "line \(line): \(reason): \(text)" }
    }

    private(set) var samples: [Sample] = []
    /// Family name → `counter`, `gauge`, `histogram`, `summary` or `untyped`.
    private(set) var types: [String: String] = [:]
    private(set) var help: [String: String] = [:]

    init(parsing text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else {
            throw FormatError(line: 0, text: "", reason: "the exposition must end with a newline")
        }
        var familiesWithSamples: Set<String> = []
        var seriesSeen: Set<String> = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            func fail(_ reason: String) -> FormatError { FormatError(line: number, text: String(line), reason: reason) }
            if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw fail("HELP without text") }
                let name = String(rest[..<space])
                guard Self.isMetricName(name) else { throw fail("bad metric name") }
                guard help[name] == nil else { throw fail("second HELP for \(name)") }
                guard types[name] == nil, !familiesWithSamples.contains(name) else { throw fail("HELP after TYPE or samples") }
                help[name] = String(rest[rest.index(after: space)...])
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw fail("TYPE needs a name and a type") }
                let name = String(parts[0])
                guard Self.isMetricName(name) else { throw fail("bad metric name") }
                guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[1]) else { throw fail("unknown type") }
                guard types[name] == nil else { throw fail("second TYPE for \(name)") }
                guard !familiesWithSamples.contains(name) else { throw fail("TYPE after samples") }
                types[name] = String(parts[1])
            } else if line.hasPrefix("#") {
                continue  // a comment
            } else {
                let sample = try Self.sample(line, fail: fail)
                let family = family(of: sample.name)
                guard let type = types[family] else { throw fail("sample before its TYPE") }
                if type == "histogram" {
                    guard sample.name != family else { throw fail("histogram sample without suffix") }
                    if sample.name.hasSuffix("_bucket") {
                        guard let le = sample.labels["le"], le == "+Inf" || Double(le) != nil else { throw fail("bucket without le") }
                    }
                } else {
                    guard sample.name == family else { throw fail("sample name does not match its family") }
                }
                let key = sample.name + "|" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                guard seriesSeen.insert(key).inserted else { throw fail("duplicate series") }
                familiesWithSamples.insert(family)
                samples.append(sample)
            }
        }
        try checkHistograms()
    }

    /// The family a sample belongs to: its name, or its name without a histogram suffix.
    private func family(of name: String) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return name
    }

    private func checkHistograms() throws {
        for (family, type) in types where type == "histogram" {
            var buckets: [[String: String]: [(le: Double, value: Double)]] = [:]
            for sample in samples where sample.name == family + "_bucket" {
                var series = sample.labels
                let le = series.removeValue(forKey: "le")!
                buckets[series, default: []].append((le == "+Inf" ? .infinity : Double(le)!, sample.value))
            }
            for (series, values) in buckets {
                let sorted = values.sorted { $0.le < $1.le }
                for (lower, upper) in zip(sorted, sorted.dropFirst()) where upper.value < lower.value {
                    throw FormatError(line: 0, text: family, reason: "buckets are not cumulative for \(series)")
                }
                guard sorted.last?.le == .infinity else {
                    throw FormatError(line: 0, text: family, reason: "no +Inf bucket for \(series)")
                }
                let count = samples.first { $0.name == family + "_count" && $0.labels == series }?.value
                guard count == sorted.last?.value else {
                    throw FormatError(line: 0, text: family, reason: "+Inf bucket differs from _count for \(series)")
                }
            }
        }
    }

    private static func sample(_ line: Substring, fail: (String) -> FormatError) throws -> Sample {
        var index = line.startIndex
        while index < line.endIndex, line[index] != "{", line[index] != " " { index = line.index(after: index) }
        let name = String(line[..<index])
        guard isMetricName(name) else { throw fail("bad metric name") }
        var labels: [String: String] = [:]
        if index < line.endIndex, line[index] == "{" {
            index = line.index(after: index)
            while true {
                guard index < line.endIndex else { throw fail("unterminated labels") }
                if line[index] == "}" {
                    index = line.index(after: index)
                    break
                }
                let nameStart = index
                while index < line.endIndex, line[index] != "=" { index = line.index(after: index) }
                let label = String(line[nameStart..<index])
                guard isLabelName(label) else { throw fail("bad label name '\(label)'") }
                index = line.index(after: index)
                guard index < line.endIndex, line[index] == "\"" else { throw fail("label value not quoted") }
                index = line.index(after: index)
                var value = ""
                while true {
                    guard index < line.endIndex else { throw fail("unterminated label value") }
                    let character = line[index]
                    if character == "\"" { break }
                    if character == "\\" {
                        index = line.index(after: index)
                        guard index < line.endIndex else { throw fail("dangling escape") }
                        switch line[index] {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw fail("bad escape")
                        }
                    } else {
                        value.append(character)
                    }
                    index = line.index(after: index)
                }
                guard labels.updateValue(value, forKey: label) == nil else { throw fail("label \(label) twice") }
                index = line.index(after: index)
                guard index < line.endIndex else { throw fail("unterminated labels") }
                if line[index] == "," { index = line.index(after: index) }
                else if line[index] != "}" { throw fail("expected , or }") }
            }
        }
        guard index < line.endIndex, line[index] == " " else { throw fail("no space before the value") }
        let fields = line[line.index(after: index)...].split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 1 || (fields.count == 2 && Int64(fields[1]) != nil) else { throw fail("bad value or timestamp") }
        let text = String(fields[0])
        let value: Double
        switch text {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let number = Double(text) else { throw fail("value is not a number") }
            value = number
        }
        return Sample(name: name, labels: labels, value: value)
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }

    /// The sum over the samples named `name` whose labels include `labels`; nil when none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }

    /// Every sample named `name`.
    func series(_ name: String) -> [Sample] { samples.filter { $0.name == name } }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
