internal import CCurl

extension Transfer {
    /// Puts the request and this transfer's callbacks on the easy handle.
    func configure() {
        let configuration = multi.configuration
        let me = Unmanaged.passUnretained(self).toOpaque()
        easy.set(CURLOPT_URL, request.url)
        easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        easy.set(CURLOPT_NOSIGNAL, true)
        easy.set(CURLOPT_ERRORBUFFER, pointer: easy.errorBuffer)
        easy.set(CURLOPT_TCP_KEEPALIVE, true)
        easy.set(CURLOPT_SSL_VERIFYPEER, true)
        easy.set(CURLOPT_SSL_VERIFYHOST, 2)
        if let bundle = configuration.caBundlePath { easy.set(CURLOPT_CAINFO, bundle) }
        if configuration.preferHTTP2 {
            easy.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)
            // Wait for a connection being set up to the same host when it may multiplex.
            if request.isHTTPS { easy.set(CURLOPT_PIPEWAIT, true) }
        } else {
            easy.set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        }
        switch configuration.proxy {
        case .environment:
            break
        case .none:
            easy.set(CURLOPT_PROXY, "")
        case .url(let proxy, let noProxy):
            easy.set(CURLOPT_PROXY, proxy)
            if let noProxy { easy.set(CURLOPT_NOPROXY, noProxy) }
        }
        easy.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, true)
        if configuration.acceptCompressedResponses { easy.set(CURLOPT_ACCEPT_ENCODING, "") }
        easy.set(CURLOPT_CONNECTTIMEOUT_MS, request.timeouts.connect.curlMilliseconds)
        easy.set(CURLOPT_TIMEOUT_MS, request.timeouts.total?.curlMilliseconds ?? 0)
        // Set on every use: handles are reused between streamed and collected bodies.
        easy.set(CURLOPT_BUFFERSIZE, streaming ? max(1024, configuration.streamReceiveBufferBytes) : Int(CURL_MAX_WRITE_SIZE))
        configureMethodAndBody()
        for line in request.headerLines { headerList = curl_slist_append(headerList, line) }
        easy.set(CURLOPT_HTTPHEADER, pointer: headerList)
        _ = ccurl_easy_setopt_write_cb(easy.raw, CURLOPT_HEADERFUNCTION, Transfer.headerCallback)
        easy.set(CURLOPT_HEADERDATA, pointer: me)
        _ = ccurl_easy_setopt_write_cb(easy.raw, CURLOPT_WRITEFUNCTION, Transfer.writeCallback)
        easy.set(CURLOPT_WRITEDATA, pointer: me)
    }

    private func configureMethodAndBody() {
        let method = request.method
        if method == .head {
            easy.set(CURLOPT_NOBODY, true)
            return
        }
        if request.sendsBody {
            easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(request.body.count))
            // libcurl copies the bytes during the call, so the array need not outlive it.
            if request.body.isEmpty {
                easy.set(CURLOPT_COPYPOSTFIELDS, "")
            } else {
                request.body.withUnsafeBytes { easy.set(CURLOPT_COPYPOSTFIELDS, pointer: $0.baseAddress) }
            }
            if method != .post { easy.set(CURLOPT_CUSTOMREQUEST, method.rawValue) }
        } else if method != .get {
            easy.set(CURLOPT_CUSTOMREQUEST, method.rawValue)
        }
    }
}
