import PostgresNIO

/// An array bind for SQLKit statements on PostgreSQL, encoded to PostgreSQL's binary form when
/// it is made, where its element type is known at compile time.
///
/// SQLKit hands binds to PostgresKit as existentials, and PostgresNIO then encodes an array
/// element by element through generic code that is not specialized: for enqueue's fourteen
/// arrays of 20,000 runs that was a large share of the client's time. Statements that may run
/// in a caller's transaction (an `SQLDatabase`, not a PostgresNIO connection) bind these.
package struct EncodedArray: PostgresThrowingDynamicTypeEncodable, Encodable, Sendable {
    package let psqlType: PostgresDataType
    package var psqlFormat: PostgresFormat { .binary }
    private let bytes: ByteBuffer

    package init<Element: PostgresArrayEncodable>(_ values: [Element]) {
        var bytes = ByteBuffer()
        // Encoding a built-in type with the default context cannot fail.
        try! values.encode(into: &bytes, context: .default)
        self.bytes = bytes
        psqlType = Element.psqlArrayType
    }

    package func encode<JSONEncoder: PostgresJSONEncoder>(
        into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        byteBuffer.writeImmutableBuffer(bytes)
    }

    /// Never called: PostgresKit takes the PostgresNIO path above for any
    /// `PostgresThrowingDynamicTypeEncodable`. SQLKit's binds must be `Encodable`.
    package func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(
            self, .init(codingPath: encoder.codingPath, debugDescription: "an encoded PostgreSQL array binds only on PostgreSQL"))
    }
}
