/// The rules that make simulated runs deterministic, read from the last user message.
///
/// **Markers** (anywhere in the message, removed from the echoed text):
///
/// | marker | effect |
/// | --- | --- |
/// | `[[fail]]` | the run ends `failed`, `last_error = {code: server_error, …}`, no reply |
/// | `[[expire]]` | the run ends `expired`, no reply |
/// | `[[cancel]]` | the run goes `cancelling` → `cancelled` by itself, no reply |
/// | `[[incomplete]]` | half the reply is written; message and run end `incomplete` (`max_completion_tokens`) |
/// | `[[slow:N]]` | each `in_progress` stretch lasts N ms instead of `--run-duration-ms` |
/// | `[[rounds:N]]` | tools are requested N times (N rounds of `requires_action`) before the reply; 1–10 |
///
/// **Tools**: every function tool of the run (its `tools` override, else its assistant's) whose
/// name appears in the message is called, one call per tool, in the order of the tool list —
/// two names give two parallel calls. `arguments` is `{"query":"<echoed text>"}`.
///
/// **Reply**: `Echo: <text>`, where `<text>` is the message's text without markers, runs of
/// spaces collapsed and ends trimmed (`(no user message)` when the thread has none). After
/// tool rounds: `Echo: <text> | tool outputs: get_weather=sunny, get_time=noon` — every
/// submitted output, round after round, in call order.
public struct RunScript: Sendable, Hashable {
    /// The message text with markers removed.
    public var text: String
    public var ending: RunPlan.Ending = .complete
    public var workMillis: Int64?
    /// `[[rounds:N]]`, or nil for the default of one round when a tool is named.
    public var rounds: Int?

    /// Reads the markers out of `message`.
    public init(message: String) {
        text = ""
        var kept = ""
        var rest = Substring(message)
        while let open = rest.firstRange(of: "[[") {
            kept += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "]]") else {
                kept += rest[open.lowerBound...]
                rest = ""
                break
            }
            let body = afterOpen[..<close.lowerBound]
            if !apply(marker: body) {
                kept += rest[open.lowerBound..<close.upperBound]
            }
            rest = afterOpen[close.upperBound...]
        }
        kept += rest
        text = Self.tidy(kept)
    }

    /// Applies one marker body (`fail`, `slow:1500`); false when it is not a marker.
    private mutating func apply(marker body: Substring) -> Bool {
        let parts = body.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = parts[0].lowercased()
        let argument = parts.count > 1 ? Int(parts[1]) : nil
        switch (name, parts.count) {
        case ("fail", 1): ending = .fail
        case ("expire", 1): ending = .expire
        case ("cancel", 1): ending = .cancel
        case ("incomplete", 1): ending = .incomplete
        case ("slow", 2):
            guard let millis = argument, (0...600_000).contains(millis) else { return false }
            workMillis = Int64(millis)
        case ("rounds", 2):
            guard let count = argument, (1...10).contains(count) else { return false }
            rounds = count
        default:
            return false
        }
        return true
    }

    /// Collapses runs of spaces and trims whitespace at both ends.
    private static func tidy(_ text: String) -> String {
        var out = ""
        var lastWasSpace = false
        for character in text {
            if character == " " {
                if !lastWasSpace { out.append(character) }
                lastWasSpace = true
            } else {
                out.append(character)
                lastWasSpace = false
            }
        }
        while let first = out.first, first.isWhitespace { out.removeFirst() }
        while let last = out.last, last.isWhitespace { out.removeLast() }
        return out
    }

    /// The function tools named in the text, in `available` order.
    public func toolsCalled(from available: [String]) -> [String] {
        available.filter { !$0.isEmpty && text.contains($0) }
    }

    /// The plan for a run that can call `available` function tools.
    public func plan(availableTools available: [String]) -> RunPlan {
        let called = toolsCalled(from: available)
        return RunPlan(toolRounds: called.isEmpty ? 0 : (rounds ?? 1), ending: ending, workMillis: workMillis)
    }
}

/// The deterministic reply and token counts (see `RunScript`).
public enum ReplyRule {
    /// `Echo: <text>`, plus ` | tool outputs: name=output, …` when tools answered.
    public static func reply(to text: String, toolOutputs: [(name: String, output: String)] = []) -> String {
        var reply = "Echo: " + (text.isEmpty ? "(no user message)" : text)
        if !toolOutputs.isEmpty {
            reply += " | tool outputs: " + toolOutputs.map { "\($0.name)=\($0.output)" }.joined(separator: ", ")
        }
        return reply
    }

    /// The first half of `reply`'s words (at least one), for `[[incomplete]]`.
    public static func truncated(_ reply: String) -> String {
        let pieces = words(reply)
        let keep = max(1, pieces.count / 2)
        var text = pieces.prefix(keep).joined()
        while let last = text.last, last == " " { text.removeLast() }
        return text
    }

    /// `text` cut into `count` pieces at word boundaries; joined they give `text` back.
    /// Pieces may be empty when `text` has fewer words than `count`.
    public static func chunks(_ text: String, count: Int) -> [String] {
        let pieces = words(text)
        return (0..<count).map { index in
            pieces[(index * pieces.count / count)..<((index + 1) * pieces.count / count)].joined()
        }
    }

    /// Words with their trailing spaces, so that joining them gives `text` back.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text {
            if character == " " {
                current.append(character)
            } else {
                if let last = current.last, last == " " {
                    words.append(current)
                    current = ""
                }
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// A deterministic token estimate: one token per 4 bytes of UTF-8, rounded up.
    public static func tokens(_ text: String) -> Int {
        (text.utf8.count + 3) / 4
    }
}
