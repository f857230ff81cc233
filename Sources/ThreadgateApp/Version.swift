/// threadgate's version, printed by `--version` and exported as build info.
public enum ThreadgateVersion {
    public static let current = "0.1.0"
}

extension ThreadgateVersion {
    /// The Swift compiler that built this binary, for `threadgate_build_info`.
    static var swift: String {
        #if compiler(>=6.4)
        "6.4+"
        #elseif compiler(>=6.3)
        "6.3"
        #elseif compiler(>=6.2)
        "6.2"
        #else
        "6.1-"
        #endif
    }
}
