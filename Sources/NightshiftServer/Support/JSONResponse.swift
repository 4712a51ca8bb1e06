import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A JSON answer with a status: the reports the CLI prints with `--json`, sent as they are.
struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator {
    let status: HTTPResponse.Status
    let value: Value

    init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.status = status
        self.value = value
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
