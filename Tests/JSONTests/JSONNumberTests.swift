import Testing
@testable import JSON

@Suite struct JSONNumberTests {
    @Test func integersStayExact() throws {
        #expect(try parse("42") == .int(42))
        #expect(try parse("-42") == .int(-42))
        #expect(try parse("9223372036854775807") == .int(.max))
        #expect(try parse("-9223372036854775808") == .int(.min))
        #expect(JSONValue.int(.max).jsonString == "9223372036854775807")
        #expect(JSONValue.int(.min).jsonString == "-9223372036854775808")
        #expect(JSONValue.int(0).jsonString == "0")
    }

    @Test func integersBeyondInt64BecomeDoubles() throws {
        #expect(try parse("9223372036854775808") == .double(9223372036854775808.0))
        #expect(try parse("-9223372036854775809") == .double(-9223372036854775809.0))
        #expect(try parse("18446744073709551616") == .double(18446744073709551616.0))
        #expect(try parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
    }

    @Test func negativeZeroKeepsItsSign() throws {
        let value = try parse("-0")
        #expect(value.doubleValue?.sign == .minus)
        #expect(value.doubleValue == 0)
        #expect(try parse("-0.0").doubleValue?.sign == .minus)
        #expect(try parse("0").doubleValue?.sign == .plus)
        #expect(JSONValue.double(-0.0).jsonString == "-0.0")
        #expect(try parse(JSONValue.double(-0.0).jsonString).doubleValue?.sign == .minus)
    }

    @Test func fractionsAndExponents() throws {
        #expect(try parse("1.5") == .double(1.5))
        #expect(try parse("-0.25") == .double(-0.25))
        #expect(try parse("1e2") == .double(100))
        #expect(try parse("1E+2") == .double(100))
        #expect(try parse("25e-2") == .double(0.25))
        #expect(try parse("1.0") == .double(1.0))
        #expect(try parse("0.1") == .double(0.1))
        #expect(try parse("1e308") == .double(1e308))
        #expect(try parse("1e-400") == .double(0))
        #expect(try parse("4.9e-324") == .double(.leastNonzeroMagnitude))
        #expect(try parse("2.2250738585072014e-308") == .double(2.2250738585072014e-308))
        #expect(try parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
        #expect(try parse("0.30000000000000004") == .double(0.30000000000000004))
        #expect(try parse("123456789.123456789e-5") == .double(1234.56789123456789))
        #expect(try parse("1e0000000000000000000000001") == .double(10))
    }

    @Test func slowPathMatchesStandardLibrary() throws {
        for text in ["9007199254740993", "9007199254740993.0", "1.00000000000000011102230246251565404236316680908203125",
                     "3.14159265358979323846264338327950288", "8.98846567431158e307", "1e23", "123e-30"] {
            #expect(try parse(text).doubleValue == Double(text), "\(text)")
        }
    }

    @Test func doublesPrintShortestRoundTrip() {
        #expect(JSONValue.double(0.1).jsonString == "0.1")
        #expect(JSONValue.double(2).jsonString == "2.0")
        #expect(JSONValue.double(1e100).jsonString == "1e+100")
        #expect(JSONValue.double(1.5e-7).jsonString == "1.5e-07")
        #expect(JSONValue.double(.infinity).jsonString == "null")
        #expect(JSONValue.double(.nan).jsonString == "null")
    }

    @Test func numberAccessors() throws {
        #expect(try parse("20").intValue == 20)
        #expect(try parse("20.0").intValue == 20)
        #expect(try parse("20.5").intValue == nil)
        #expect(try parse("1e30").intValue == nil)
        #expect(try parse("-3").int64Value == -3)
        #expect(try parse("3").doubleValue == 3)
        #expect(try parse("\"3\"").intValue == nil)
        #expect(try parse("true").doubleValue == nil)
    }
}
