/// Numbers: exact integers, and doubles through a fast path or the standard library.
extension JSONParser {
    /// Parses `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = position
        let negative = input[position] == .minus
        if negative { position += 1 }

        var mantissa: UInt64 = 0
        var mantissaOverflowed = false
        var fractionDigits = 0

        func accumulate(_ byte: UInt8) {
            let (times10, overflow1) = mantissa.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte &- .zero))
            if overflow1 || overflow2 { mantissaOverflowed = true } else { mantissa = sum }
        }

        guard position < input.count else { throw fail(.unexpectedEnd) }
        switch input[position] {
        case .zero:
            position += 1
            if position < input.count, input[position].isDigit { throw fail(.invalidNumber) }
        case .one ... .nine:
            while position < input.count, input[position].isDigit {
                accumulate(input[position])
                position += 1
            }
        default:
            throw fail(.invalidNumber)
        }

        var isInteger = true
        if position < input.count, input[position] == .period {
            isInteger = false
            position += 1
            try requireDigit()
            while position < input.count, input[position].isDigit {
                accumulate(input[position])
                if !mantissaOverflowed { fractionDigits += 1 }
                position += 1
            }
        }

        var exponent = 0
        if position < input.count, input[position] == .letterE || input[position] == .upperE {
            isInteger = false
            position += 1
            var exponentNegative = false
            if position < input.count, input[position] == .plus || input[position] == .minus {
                exponentNegative = input[position] == .minus
                position += 1
            }
            try requireDigit()
            while position < input.count, input[position].isDigit {
                exponent = min(exponent * 10 + Int(input[position] &- .zero), 1_000_000)
                position += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        if isInteger, !mantissaOverflowed {
            if !negative, mantissa <= UInt64(Int64.max) { return .int(Int64(mantissa)) }
            if negative, mantissa == 0 { return .double(-0.0) }
            if negative, mantissa <= UInt64(Int64.max) + 1 { return .int(Int64(truncatingIfNeeded: 0 &- mantissa)) }
        }
        return .double(try parseDouble(
            from: start, negative: negative, mantissa: mantissaOverflowed ? nil : mantissa,
            exponent10: exponent - fractionDigits))
    }

    private mutating func requireDigit() throws(JSONError) {
        guard position < input.count else { throw fail(.unexpectedEnd) }
        guard input[position].isDigit else { throw fail(.invalidNumber) }
    }

    /// Exact powers of ten a `Double` holds without rounding.
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Converts the validated number text at `start..<position` to the nearest `Double`.
    ///
    /// When the digits fit 53 bits and the power of ten is exact, one IEEE multiply or divide
    /// rounds correctly (Clinger's fast path); otherwise the standard library's correctly
    /// rounded conversion reads the text.
    private func parseDouble(from start: Int, negative: Bool, mantissa: UInt64?, exponent10: Int) throws(JSONError) -> Double {
        if let mantissa, mantissa <= 1 << 53, (-22...22).contains(exponent10) {
            var value = Double(mantissa)
            if exponent10 >= 0 {
                value *= Self.exactPowersOfTen[exponent10]
            } else {
                value /= Self.exactPowersOfTen[-exponent10]
            }
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw JSONError(.numberOutOfRange, at: start)
        }
        return value
    }
}
