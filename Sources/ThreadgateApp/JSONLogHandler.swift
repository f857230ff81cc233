public import Logging
import EventLoop
#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that writes one JSON object per line:
/// `{"ts":"2026-11-22T10:00:00.123Z","level":"info","logger":"threadgate","msg":"…",…metadata}`.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let output: LogOutput

    public init(label: String, level: Logger.Level, output: LogOutput = .standardOutput) {
        self.label = label
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = JSONLine()
        line.field("ts", string: LogTimestamp.now())
        line.field("level", string: event.level.rawValue)
        line.field("logger", string: label)
        line.field("msg", string: "\(event.message)")
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line.field(key, value: value)
        }
        output.write(line.finish())
    }

    /// Installs JSON logging for the whole process at `level`.
    public static func bootstrap(level: Logger.Level, output: LogOutput = .standardOutput) {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level, output: output) }
    }
}

/// Where log lines go: a file descriptor written under a lock so lines never interleave.
public final class LogOutput: Sendable {
    private let fd: Int32
    private let lock = LockedValue(())

    public init(fileDescriptor: Int32) { fd = fileDescriptor }

    public static let standardOutput = LogOutput(fileDescriptor: 1)
    public static let standardError = LogOutput(fileDescriptor: 2)

    func write(_ bytes: [UInt8]) {
        lock.withLock { _ in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += n
                }
            }
        }
    }
}

/// Builds one JSON object on one line.
struct JSONLine {
    private var bytes: [UInt8] = [0x7B]
    private var first = true

    init() { bytes.reserveCapacity(256) }

    mutating func field(_ key: String, string: String) {
        self.key(key)
        appendString(string)
    }

    mutating func field(_ key: String, value: Logger.Metadata.Value) {
        self.key(key)
        append(value)
    }

    private mutating func key(_ name: String) {
        if !first { bytes.append(0x2C) }
        first = false
        appendString(name)
        bytes.append(0x3A)
    }

    private mutating func append(_ value: Logger.Metadata.Value) {
        switch value {
        case .string(let text):
            appendString(text)
        case .stringConvertible(let convertible):
            if convertible is any BinaryInteger || convertible is Double || convertible is Bool {
                bytes.append(contentsOf: convertible.description.utf8)
            } else {
                appendString(convertible.description)
            }
        case .array(let values):
            bytes.append(0x5B)
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(0x2C) }
                append(element)
            }
            bytes.append(0x5D)
        case .dictionary(let entries):
            bytes.append(0x7B)
            for (index, entry) in entries.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { bytes.append(0x2C) }
                appendString(entry.key)
                bytes.append(0x3A)
                append(entry.value)
            }
            bytes.append(0x7D)
        }
    }

    private mutating func appendString(_ text: String) {
        bytes.append(0x22)
        for byte in text.utf8 {
            switch byte {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }

    mutating func finish() -> [UInt8] {
        bytes.append(0x7D)
        bytes.append(0x0A)
        return bytes
    }
}

/// RFC 3339 UTC timestamps with milliseconds.
enum LogTimestamp {
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = spec.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + "\(pad(Int32(spec.tv_nsec / 1_000_000), 3))Z"
    }
}
