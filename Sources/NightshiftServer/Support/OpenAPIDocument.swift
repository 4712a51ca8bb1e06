import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The OpenAPI 3.1 description of the admin API, shipped as a resource and served at
/// `/api/openapi.json`.
public enum OpenAPIDocument {
    /// The document's JSON text.
    public static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }()

    static func response() throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
