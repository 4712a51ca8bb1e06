import Foundation
import Nightshift
import HTTPTypes
import Hummingbird
import NIOCore

/// An error answer of the admin API: a status and a JSON body `{"error": …, "field": …}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    /// What went wrong, for people.
    public let message: String
    /// The input field at fault, for 400s.
    public let field: String?
    /// Extra headers (`WWW-Authenticate`, `Allow`).
    public let headers: HTTPFields

    init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers
    }

    static let unauthorized = APIError(
        .unauthorized, "Unauthorized: send Authorization: Bearer <token>", headers: [.wwwAuthenticate: "Bearer"])
    static let forbidden = APIError(.forbidden, "Insufficient permissions")

    static func badRequest(_ message: String, field: String) -> APIError {
        APIError(.badRequest, message, field: field)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body = "{\"error\":\(JSONValue.string(message).jsonText)"
        if let field { body += ",\"field\":\(JSONValue.string(field).jsonText)" }
        body += "}"
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
