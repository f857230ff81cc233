#if canImport(Glibc)
import Glibc
#endif

/// Query parameters as the NUL-terminated C strings libpq takes, copied into one buffer that a
/// connection reuses for every statement: no allocation per query once it has grown to fit.
/// Confined to the connection's loop thread.
final class ParameterBuffer {
    private var bytes: UnsafeMutablePointer<CChar>
    private var byteCapacity = 256
    private var values: UnsafeMutablePointer<UnsafePointer<CChar>?>
    private var valueCapacity = 8

    init() {
        bytes = .allocate(capacity: byteCapacity)
        values = .allocate(capacity: valueCapacity)
    }

    deinit {
        bytes.deallocate()
        values.deallocate()
    }

    /// Copies the text of `bindings` in (NULL stays a null pointer) and returns the array of
    /// values for `PQsendQueryPrepared`, valid until the next `load`. Nil when a value contains a
    /// NUL byte, which text-format parameters cannot carry.
    func load(_ bindings: [PostgresValue]) -> UnsafePointer<UnsafePointer<CChar>?>? {
        var total = 0
        for binding in bindings {
            if let text = binding.text { total += text.utf8.count + 1 }
        }
        reserve(bytes: total, values: bindings.count)
        var offset = 0
        for index in bindings.indices {
            guard var text = bindings[index].text else {
                values[index] = nil
                continue
            }
            let destination = bytes + offset
            let copied = text.withUTF8 { utf8 -> Int? in
                guard let source = utf8.baseAddress else { return 0 }
                if memchr(source, 0, utf8.count) != nil { return nil }
                memcpy(destination, source, utf8.count)
                return utf8.count
            }
            guard let copied else { return nil }
            destination[copied] = 0
            values[index] = UnsafePointer(destination)
            offset += copied + 1
        }
        return UnsafePointer(values)
    }

    /// Past this, a buffer grown for one large statement shrinks back on the next small one.
    private static let retainedBytes = 64 * 1024

    private func reserve(bytes byteCount: Int, values valueCount: Int) {
        if byteCount > byteCapacity || (byteCapacity > Self.retainedBytes && byteCount <= Self.retainedBytes) {
            bytes.deallocate()
            byteCapacity = byteCount > byteCapacity ? max(byteCount, byteCapacity * 2) : max(256, byteCount)
            bytes = .allocate(capacity: byteCapacity)
        }
        if valueCount > valueCapacity {
            values.deallocate()
            valueCapacity = max(valueCount, valueCapacity * 2)
            values = .allocate(capacity: valueCapacity)
        }
    }
}
