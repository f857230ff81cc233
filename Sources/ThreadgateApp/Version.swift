/// threadgate's version, printed by `--version` and exported as build info.
public enum ThreadgateVersion {
    public static let current = "0.1.0"
}
