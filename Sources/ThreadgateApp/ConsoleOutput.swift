/// Plain text lines for people (`threadgate migrate`, `threadgate dev`), written straight to a
/// file descriptor so each appears at once even when the output is a pipe or a file.
public struct ConsoleOutput: Sendable {
    private let write: @Sendable (String) -> Void

    /// Output that hands each line (without its newline) to `write`; for tests.
    public init(_ write: @escaping @Sendable (String) -> Void) { self.write = write }

    public static let standardOutput = ConsoleOutput { text in LogOutput.standardOutput.write(Array((text + "\n").utf8)) }
    public static let standardError = ConsoleOutput { text in LogOutput.standardError.write(Array((text + "\n").utf8)) }

    /// Writes one line.
    public func line(_ text: String) { write(text) }
}
