#if canImport(Glibc)
import Glibc
#endif

/// HTTP-date values (RFC 9110 §5.6.7), read byte by byte without Foundation.
///
/// All three forms a recipient must accept are understood:
/// - IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT` (what senders must send),
/// - the obsolete RFC 850 form `Sunday, 06-Nov-94 08:49:37 GMT` (a two-digit year more than
///   50 years ahead of `now` means the century before, as §5.6.7 requires),
/// - the obsolete asctime form `Sun Nov  6 08:49:37 1994`.
///
/// Names are case-sensitive, as the grammar says. The day name must be a valid one but is not
/// checked against the date.
enum HTTPDate {
    /// Seconds since the Unix epoch, or nil when `text` is no HTTP-date.
    /// - Parameter now: seconds since the epoch; only the RFC 850 form's two-digit year needs it.
    static func secondsSinceEpoch(_ text: some StringProtocol, now: Int64) -> Int64? {
        var scanner = Scanner(bytes: Array(text.utf8))
        guard let dayName = scanner.letters() else { return nil }
        var parts: Parts
        if scanner.take(",") {
            guard scanner.take(" "), let day = scanner.number(digits: 2) else { return nil }
            if scanner.take(" ") {
                // IMF-fixdate: day-name "," SP day SP month SP year SP time SP "GMT"
                guard shortDayNames.contains(dayName), let month = scanner.month(), scanner.take(" "),
                    let year = scanner.number(digits: 4), scanner.take(" "), let time = scanner.time(),
                    scanner.take(" GMT"), scanner.atEnd
                else { return nil }
                parts = Parts(year: year, month: month, day: day, time: time)
            } else {
                // rfc850-date: day-name-l "," SP day "-" month "-" 2DIGIT SP time SP "GMT"
                guard longDayNames.contains(dayName), scanner.take("-"), let month = scanner.month(), scanner.take("-"),
                    let shortYear = scanner.number(digits: 2), scanner.take(" "), let time = scanner.time(),
                    scanner.take(" GMT"), scanner.atEnd
                else { return nil }
                let currentYear = 1970 + Int(now / 31_556_952)  // mean Gregorian year; close enough for the rule
                var year = currentYear - currentYear % 100 + shortYear
                if year > currentYear + 50 { year -= 100 }
                parts = Parts(year: year, month: month, day: day, time: time)
            }
        } else {
            // asctime-date: day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time SP year
            guard shortDayNames.contains(dayName), scanner.take(" "), let month = scanner.month(), scanner.take(" ") else {
                return nil
            }
            let day = scanner.take(" ") ? scanner.number(digits: 1) : scanner.number(digits: 2)
            guard let day, scanner.take(" "), let time = scanner.time(), scanner.take(" "),
                let year = scanner.number(digits: 4), scanner.atEnd
            else { return nil }
            parts = Parts(year: year, month: month, day: day, time: time)
        }
        return parts.secondsSinceEpoch
    }

    /// Now, in whole seconds since the epoch (the wall clock).
    static func wallClockSeconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec)
    }

    private static let shortDayNames: Set<[UInt8]> = Set(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map { Array($0.utf8) })
    private static let longDayNames: Set<[UInt8]> = Set(
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"].map { Array($0.utf8) })
    fileprivate static let monthNames: [[UInt8]] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ].map { Array($0.utf8) }

    private struct Parts {
        let year: Int
        let month: Int  // 1...12
        let day: Int
        let time: (hour: Int, minute: Int, second: Int)

        var secondsSinceEpoch: Int64? {
            guard day >= 1, day <= daysInMonth, time.hour < 24, time.minute < 60, time.second <= 60 else { return nil }
            let seconds = Int64(time.hour * 3600 + time.minute * 60 + min(time.second, 59))  // a leap second counts as :59
            return daysSinceEpoch * 86_400 + seconds
        }

        private var isLeapYear: Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

        private var daysInMonth: Int {
            switch month {
            case 2: isLeapYear ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        /// Days from 1970-01-01 in the proleptic Gregorian calendar (years counted from March,
        /// so the leap day ends a year).
        private var daysSinceEpoch: Int64 {
            let marchYear = Int64(month <= 2 ? year - 1 : year)
            let era = (marchYear >= 0 ? marchYear : marchYear - 399) / 400
            let yearOfEra = marchYear - era * 400  // 0...399
            let monthFromMarch = Int64((month + 9) % 12)  // March 0 ... February 11
            let dayOfYear = (153 * monthFromMarch + 2) / 5 + Int64(day) - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468  // 719468: days from 0000-03-01 to 1970-01-01
        }
    }
}

/// A cursor over ASCII bytes.
private struct Scanner {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool { index == bytes.count }

    /// Consumes `literal` when the bytes continue with it.
    mutating func take(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// A run of ASCII letters, or nil when none.
    mutating func letters() -> [UInt8]? {
        let start = index
        while index < bytes.count, (bytes[index] | 0x20) >= UInt8(ascii: "a"), (bytes[index] | 0x20) <= UInt8(ascii: "z") {
            index += 1
        }
        return index > start ? Array(bytes[start..<index]) : nil
    }

    /// Exactly `digits` decimal digits.
    mutating func number(digits: Int) -> Int? {
        guard bytes.count - index >= digits else { return nil }
        var value = 0
        for offset in 0..<digits {
            let byte = bytes[index + offset]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        index += digits
        return value
    }

    /// A three-letter month name, as 1...12.
    mutating func month() -> Int? {
        guard bytes.count - index >= 3 else { return nil }
        let name = Array(bytes[index..<index + 3])
        guard let position = HTTPDate.monthNames.firstIndex(of: name) else { return nil }
        index += 3
        return position + 1
    }

    /// `HH:MM:SS`.
    mutating func time() -> (hour: Int, minute: Int, second: Int)? {
        guard let hour = number(digits: 2), take(":"), let minute = number(digits: 2), take(":"),
            let second = number(digits: 2)
        else { return nil }
        return (hour, minute, second)
    }
}
