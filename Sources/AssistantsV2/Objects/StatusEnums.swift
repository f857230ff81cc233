/// A run's `status` (notes §4). Values this client does not know are kept as `.other`.
public enum RunStatus: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    case queued
    case inProgress
    case requiresAction
    case cancelling
    case cancelled
    case failed
    case completed
    case incomplete
    case expired
    case other(String)

    public init(rawValue: String) {
        self = switch rawValue {
        case "queued": .queued
        case "in_progress": .inProgress
        case "requires_action": .requiresAction
        case "cancelling": .cancelling
        case "cancelled": .cancelled
        case "failed": .failed
        case "completed": .completed
        case "incomplete": .incomplete
        case "expired": .expired
        default: .other(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .queued: "queued"
        case .inProgress: "in_progress"
        case .requiresAction: "requires_action"
        case .cancelling: "cancelling"
        case .cancelled: "cancelled"
        case .failed: "failed"
        case .completed: "completed"
        case .incomplete: "incomplete"
        case .expired: "expired"
        case .other(let value): value
        }
    }

    /// completed, failed, cancelled, expired or incomplete: the run will not change again.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .cancelled, .expired, .incomplete: true
        case .queued, .inProgress, .requiresAction, .cancelling, .other: false
        }
    }

    /// queued, in_progress, requires_action or cancelling: the thread is busy (no new message
    /// or run). An unknown status counts as neither active nor terminal.
    public var isActive: Bool {
        switch self {
        case .queued, .inProgress, .requiresAction, .cancelling: true
        case .completed, .failed, .cancelled, .expired, .incomplete, .other: false
        }
    }

    public var description: String { rawValue }
}

/// A run step's `status`: in_progress, cancelled, failed, completed, expired, or another value.
public struct RunStepStatus: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let inProgress = RunStepStatus(rawValue: "in_progress")
    public static let cancelled = RunStepStatus(rawValue: "cancelled")
    public static let failed = RunStepStatus(rawValue: "failed")
    public static let completed = RunStepStatus(rawValue: "completed")
    public static let expired = RunStepStatus(rawValue: "expired")
    public var description: String { rawValue }
}

/// A message's `status`: in_progress, incomplete, completed, or another value.
public struct MessageStatus: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let inProgress = MessageStatus(rawValue: "in_progress")
    public static let incomplete = MessageStatus(rawValue: "incomplete")
    public static let completed = MessageStatus(rawValue: "completed")
    public var description: String { rawValue }
}

/// A message's `role`: user or assistant.
public struct MessageRole: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let user = MessageRole(rawValue: "user")
    public static let assistant = MessageRole(rawValue: "assistant")
    public var description: String { rawValue }
}
