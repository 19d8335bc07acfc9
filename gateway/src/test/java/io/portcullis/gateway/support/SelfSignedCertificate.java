package io.portcullis.gateway.support;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A key and certificate for 127.0.0.1 made by the JDK's {@code keytool}, for backends over TLS that
 * a client trusts only when told to.
 */
public final class SelfSignedCertificate {

    private final KeyManagerFactory keys;
    private final X509Certificate certificate;

    private SelfSignedCertificate(KeyManagerFactory keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    public static SelfSignedCertificate forLoopback(Path dir) throws Exception {
        Path store = dir.resolve("loopback.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "backend", "-keyalg", "EC", "-dname", "CN=127.0.0.1",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        if (keytool.waitFor() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        var store12 = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            store12.load(in, "changeit".toCharArray());
        }
        var managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(store12, "changeit".toCharArray());
        return new SelfSignedCertificate(managers, (X509Certificate) store12.getCertificate("backend"));
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The JDK's own TLS for a server socket (HTTP/1.1). */
    public SSLContext jdkServer() throws Exception {
        var tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        return tls;
    }

    /** A server context that agrees to HTTP/2 by ALPN. */
    public SslContext http2Server() throws IOException {
        return SslContextBuilder.forServer(keys).sslProvider(SslProvider.JDK)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
    }

    /** A server context that knows nothing of ALPN: it never agrees to HTTP/2. */
    public SslContext plainServer() throws IOException {
        return SslContextBuilder.forServer(keys).sslProvider(SslProvider.JDK).build();
    }
}
