import Testing
@testable import UpstreamHTTP

/// HTTP-date parsing (RFC 9110 §5.6.7): the three forms, and what is not a date.
struct HTTPDateTests {
    /// 2025-01-01T00:00:00Z: "now" for the two-digit years of the RFC 850 form.
    let now: Int64 = 1_735_689_600

    func parse(_ text: String) -> Int64? { HTTPDate.secondsSinceEpoch(text, now: now) }

    @Test func imfFixdate() {
        #expect(parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(parse("Wed, 21 Oct 2015 07:28:00 GMT") == 1_445_412_480)
        #expect(parse("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(parse("Tue, 29 Feb 2000 23:59:59 GMT") == 951_868_799)
        #expect(parse("Mon, 01 Mar 2100 00:00:00 GMT") == 4_107_542_400)
    }

    @Test func obsoleteForms() {
        #expect(parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(parse("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(parse("Wed Oct 21 07:28:00 2015") == 1_445_412_480)
    }

    @Test func twoDigitYearsMoreThanFiftyYearsAheadAreThePastCentury() {
        // From 2025: "69" would be 2069, 44 years ahead (kept); "94" would be 2094 (so 1994).
        #expect(parse("Tuesday, 01-Jan-69 00:00:00 GMT") == 3_124_224_000)
        #expect(parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
    }

    @Test func aLeapSecondCountsAsTheSecondBefore() {
        #expect(parse("Sat, 31 Dec 2016 23:59:60 GMT") == parse("Sat, 31 Dec 2016 23:59:59 GMT"))
    }

    @Test(arguments: [
        "", "GMT", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC", "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 29 Feb 1900 00:00:00 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ", "Sun, 06 Nov 1994 08:49:37 GMTx", "Funday, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06-Nov-94 08:49:37 GMT", "Sunday, 06 Nov 1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94", "Sun, 06 Xyz 1994 08:49:37 GMT", "120",
    ])
    func notADate(_ text: String) {
        #expect(parse(text) == nil)
    }
}
