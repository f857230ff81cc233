@testable import Postgres
import Testing

/// Codec tests with no server.
@Suite struct PostgresValueTests {
    func decode<T: PostgresDecodable>(_ text: String?, as: T.Type, type: PostgresDataType = .text) throws -> T {
        guard let text else { return try T(postgresText: nil, type: type) }
        return try Array(text.utf8).withUnsafeBytes { try T(postgresText: $0, type: type) }
    }

    @Test func integersParseAndRejectOverflow() throws {
        #expect(try decode("9223372036854775807", as: Int64.self, type: .int8) == .max)
        #expect(try decode("-9223372036854775808", as: Int64.self, type: .int8) == .min)
        #expect(throws: PostgresError.self) { try decode("2147483648", as: Int32.self, type: .int8) }
        #expect(throws: PostgresError.self) { try decode("12a", as: Int.self, type: .int8) }
        #expect(throws: PostgresError.self) { try decode(nil, as: Int.self, type: .int8) }
        #expect(try decode(nil, as: Int?.self, type: .int8) == nil)
    }

    @Test func timestampsRoundTripThroughText() throws {
        for micros: Int64 in [0, 1, -1, 1_700_000_000_123_456, -2_208_988_800_000_000, 253_402_300_799_999_999] {
            let value = PostgresTimestamp(microsecondsSinceEpoch: micros)
            #expect(try decode(value.description, as: PostgresTimestamp.self) == value, "\(value)")
        }
        #expect(PostgresTimestamp(microsecondsSinceEpoch: 0).description == "1970-01-01 00:00:00.000000+00")
        let offset = try decode("2024-02-29 12:34:56.5+05:30", as: PostgresTimestamp.self)
        #expect(offset.description == "2024-02-29 07:04:56.500000+00")
        #expect(throws: PostgresError.self) { try decode("infinity", as: PostgresTimestamp.self) }
    }

    @Test func uuidsParseAndFormat() throws {
        let text = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
        #expect(PostgresUUID(text)?.description == text)
        #expect(PostgresUUID("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")?.description == text)
        #expect(PostgresUUID("a0eebc999c0b4ef8bb6d6bb9bd380a11") == nil)
        let random = PostgresUUID.random()
        #expect(PostgresUUID(random.description) == random)
        #expect(Array(random.description.utf8)[14] == UInt8(ascii: "4"))
    }

    @Test func byteaHexRoundTrip() throws {
        let bytes: [UInt8] = [0, 1, 0x7f, 0x80, 0xff]
        #expect(bytes.postgresText == "\\x00017f80ff")
        #expect(try decode("\\x00017F80ff", as: [UInt8].self, type: .bytea) == bytes)
    }

    @Test func checksumIsFNV1a64() {
        #expect(Migration.checksum(of: []) == "cbf29ce484222325")
        #expect(Migration.checksum(of: Array("a".utf8)) == "af63dc4c8601ec8c")
        #expect(Migration.checksum(of: Array("foobar".utf8)) == "85944171f73967e8")
    }

    @Test func migrationFileNames() {
        #expect(Migration.parseFileName("0001_initial.sql")! == (1, "initial"))
        #expect(Migration.parseFileName("0012_add_index.sql")! == (12, "add_index"))
        #expect(Migration.parseFileName("initial.sql") == nil)
        #expect(Migration.parseFileName("0001_.sql") == nil)
        #expect(Migration.parseFileName("README.md") == nil)
    }

    @Test func configurationParsesEveryFormAndHidesThePassword() throws {
        let uri = try PostgresConfiguration("postgresql://app:s3cret@db.internal:6543/gate?sslmode=require")
        #expect(uri.value(for: "host") == "db.internal")
        #expect(uri.value(for: "port") == "6543")
        #expect(uri.value(for: "sslmode") == "require")
        #expect(!uri.redactedDescription.contains("s3cret"))
        let keyValue = try PostgresConfiguration("host=/run/postgresql dbname=gate user=app")
        #expect(keyValue.value(for: "host") == "/run/postgresql")
        #expect(try PostgresConfiguration("").value(for: "host") == nil)
        let error = #expect(throws: PostgresError.self) { try PostgresConfiguration("host='unterminated") }
        #expect(error?.code == .invalidConfiguration)
    }

    @Test func hostNamesAreResolvedIntoHostaddr() async throws {
        #expect(!PostgresConfiguration.needsResolution("/tmp/sock"))
        #expect(!PostgresConfiguration.needsResolution("127.0.0.1"))
        #expect(!PostgresConfiguration.needsResolution("::1"))
        #expect(PostgresConfiguration.needsResolution("localhost"))
        let parameters = try await PostgresConfiguration("host=localhost,/tmp dbname=x").connectParameters()
        let hostaddr = parameters.last { $0.keyword == "hostaddr" }?.value
        #expect(hostaddr == "127.0.0.1," || hostaddr == "::1,")
        #expect(parameters.last { $0.keyword == "host" }?.value == "localhost,/tmp")
    }

    @Test func errorDescriptionsStayGeneric() {
        let error = PostgresError(.queryFailed, message: "relation \"secret_table\" does not exist", sqlState: "42P01")
        #expect(!error.description.contains("secret_table"))
        #expect(error.debugDescription.contains("secret_table"))
        #expect(error.debugDescription.contains("42P01"))
    }
}
