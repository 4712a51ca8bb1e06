import NIOSSL

extension PostgresOptions {
    /// The TLS settings of ``sslMode``, nil for `disable`: certificates checked as libpq checks
    /// them (`require` with an `sslrootcert` checks the chain, as libpq does). Throws when a
    /// certificate or key file cannot be read.
    func tlsConfiguration() throws(DatabaseConnectionError) -> TLSConfiguration? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable: return nil
        case .prefer: configuration.certificateVerification = .none
        case .require: configuration.certificateVerification = rootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let rootCertificate {
            guard (try? NIOSSLCertificate.fromPEMFile(rootCertificate))?.isEmpty == false else {
                throw .unreadableFile("sslrootcert", rootCertificate)
            }
            configuration.trustRoots = .file(rootCertificate)
        }
        if let clientCertificate, let clientKey {
            guard let chain = try? NIOSSLCertificate.fromPEMFile(clientCertificate), !chain.isEmpty else {
                throw .unreadableFile("sslcert", clientCertificate)
            }
            guard let key = try? NIOSSLPrivateKey(file: clientKey, format: .pem) else {
                throw .unreadableFile("sslkey", clientKey)
            }
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(key)
        }
        return configuration
    }
}
