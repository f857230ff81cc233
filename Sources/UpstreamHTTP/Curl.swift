internal import CCurl
import EventLoop

/// libcurl's process-wide set-up and the typed calls the rest of the module uses.
enum Curl {
    /// Runs `curl_global_init` once (thread-safe in this libcurl: it has the threadsafe feature).
    static let initialized: Bool = curl_global_init(ccurl_global_default) == CURLE_OK

    /// libcurl's version string, such as `libcurl/7.88.1 OpenSSL/3.0.19 … nghttp2/1.52.0`.
    static var version: String { String(cString: curl_version()) }
}

/// One libcurl easy handle and its error buffer, reused across transfers (`curl_easy_reset`).
final class EasyHandle {  // confined to its multi's loop thread
    let raw: UnsafeMutableRawPointer
    let errorBuffer: UnsafeMutablePointer<CChar>
    /// The stalled-body timer, created the first time a transfer on this handle needs one.
    var stallTimer: LoopTimer?

    init?() {
        guard Curl.initialized, let raw = curl_easy_init() else { return nil }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(ccurl_error_size))
        errorBuffer.initialize(repeating: 0, count: Int(ccurl_error_size))
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// libcurl's message for the last failure, or "".
    var errorMessage: String { String(cString: errorBuffer) }

    /// Clears every option so the handle can carry another request (connections stay cached).
    func reset() {
        curl_easy_reset(raw)
        errorBuffer[0] = 0
    }

    func set(_ option: CURLoption, _ value: Int) { _ = ccurl_easy_setopt_long(raw, option, value) }
    func set(_ option: CURLoption, _ value: Bool) { _ = ccurl_easy_setopt_long(raw, option, value ? 1 : 0) }
    func set(_ option: CURLoption, _ value: String) { _ = ccurl_easy_setopt_ptr(raw, option, value) }
    func set(_ option: CURLoption, pointer: UnsafeRawPointer?) { _ = ccurl_easy_setopt_ptr(raw, option, pointer) }
    func set(_ option: CURLoption, offset: Int64) { _ = ccurl_easy_setopt_off(raw, option, curl_off_t(offset)) }

    func info(_ item: CURLINFO) -> Int {
        var value = 0
        _ = ccurl_easy_getinfo_long(raw, item, &value)
        return value
    }

    func info(offset item: CURLINFO) -> Int64 {
        var value = curl_off_t(0)
        _ = ccurl_easy_getinfo_off(raw, item, &value)
        return Int64(value)
    }
}
