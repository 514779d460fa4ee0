using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// The TLS side of the <c>tls:</c> listeners, built once from the <c>Tls</c> section: the server
/// certificate (also offered as client certificate on connections we open), the accepted versions
/// (<c>Tls:MinVersion</c> and up; 1.0 and 1.1 never), and how peers are verified. All crypto is
/// <see cref="SslStream"/>'s.
/// </summary>
public sealed class TlsContext
{
    private readonly TlsOptions _options;
    private readonly X509Certificate2Collection? _clientCas;
    private readonly X509Certificate2Collection? _serverCas;

    private TlsContext(TlsOptions options, X509Certificate2? certificate, SslProtocols protocols, X509Certificate2Collection? clientCas, X509Certificate2Collection? serverCas)
    {
        _options = options;
        Certificate = certificate;
        Protocols = protocols;
        _clientCas = clientCas;
        _serverCas = serverCas;
    }

    public X509Certificate2? Certificate { get; }

    public SslProtocols Protocols { get; }

    /// <summary>
    /// Loads the certificate and CA files. Problems are returned as <c>Tls:Key: reason</c> lines (the
    /// host stops with exit 2); <paramref name="needCertificate"/> is false when only outgoing TLS is used.
    /// </summary>
    public static TlsContext? Load(TlsOptions options, bool needCertificate, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(problems);
        var before = problems.Count;
        var protocols = options.MinVersion.Trim() switch
        {
            "1.2" => SslProtocols.Tls12 | SslProtocols.Tls13,
            "1.3" => SslProtocols.Tls13,
            _ => SslProtocols.None,
        };
        if (protocols == SslProtocols.None)
        {
            problems.Add($"Tls:MinVersion: '{options.MinVersion}' is not one of 1.2, 1.3");
        }

        X509Certificate2? certificate = null;
        if (string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            if (needCertificate)
            {
                problems.Add("Tls:CertificatePath: a tls: listen address needs a certificate (PEM with Tls:PrivateKeyPath, or a PFX with Tls:Password)");
            }
        }
        else
        {
            certificate = LoadCertificate(options, problems);
        }

        var clientCas = LoadCas("Tls:ClientCaPath", options.ClientCaPath, problems);
        var serverCas = LoadCas("Tls:CaPath", options.CaPath, problems);
        return problems.Count > before ? null : new TlsContext(options, certificate, protocols, clientCas, serverCas);
    }

    /// <summary>Runs the handshake over <paramref name="inner"/>: as server for accepted connections, as client (checking <paramref name="targetHost"/>) for ours.</summary>
    public async Task<Stream> AuthenticateAsync(Stream inner, bool asServer, string targetHost, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            if (asServer)
            {
                await ssl.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificate = Certificate,
                        EnabledSslProtocols = Protocols,
                        ClientCertificateRequired = _options.VerifyClient != TlsClientVerification.None,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        RemoteCertificateValidationCallback = (_, cert, _, errors) => CheckClient(cert, errors),
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = targetHost,
                        EnabledSslProtocols = Protocols,
                        ClientCertificates = Certificate is null ? null : [Certificate],
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        RemoteCertificateValidationCallback = (_, cert, _, errors) => CheckServer(cert, errors),
                    },
                    cancellationToken).ConfigureAwait(false);
            }

            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private bool CheckClient(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return _options.VerifyClient != TlsClientVerification.Required;
        }

        return _options.VerifyClient == TlsClientVerification.None
            || Chains(certificate, errors & ~SslPolicyErrors.RemoteCertificateNameMismatch, _clientCas);
    }

    private bool CheckServer(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (!_options.VerifyServer)
        {
            return true;
        }

        // The name is checked by SslStream against TargetHost (the host of the target URI).
        return certificate is not null && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 && Chains(certificate, errors, _serverCas);
    }

    /// <summary>With a configured CA file: builds the chain against it alone; otherwise the system store's verdict stands.</summary>
    private static bool Chains(X509Certificate certificate, SslPolicyErrors errors, X509Certificate2Collection? cas)
    {
        if (cas is null)
        {
            return (errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) == SslPolicyErrors.None;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private static X509Certificate2? LoadCertificate(TlsOptions options, List<string> problems)
    {
        var path = options.CertificatePath;
        try
        {
            var isPfx = path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);
            X509Certificate2 certificate;
            if (isPfx)
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, options.Password);
            }
            else if (string.IsNullOrWhiteSpace(options.PrivateKeyPath))
            {
                certificate = X509Certificate2.CreateFromPemFile(path);
            }
            else
            {
                certificate = string.IsNullOrEmpty(options.Password)
                    ? X509Certificate2.CreateFromPemFile(path, options.PrivateKeyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, options.Password, options.PrivateKeyPath);
            }

            if (!certificate.HasPrivateKey)
            {
                problems.Add($"Tls:PrivateKeyPath: '{path}' has no private key; name the key file in Tls:PrivateKeyPath");
                certificate.Dispose();
                return null;
            }

            return certificate;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            var key = ex is FileNotFoundException or DirectoryNotFoundException && !File.Exists(path) ? "Tls:CertificatePath"
                : !string.IsNullOrWhiteSpace(options.PrivateKeyPath) && !File.Exists(options.PrivateKeyPath) ? "Tls:PrivateKeyPath"
                : "Tls:CertificatePath";
            problems.Add($"{key}: cannot load the certificate '{path}': {ex.Message}");
            return null;
        }
    }

    private static X509Certificate2Collection? LoadCas(string key, string path, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        try
        {
            var cas = new X509Certificate2Collection();
            cas.ImportFromPemFile(path);
            if (cas.Count == 0)
            {
                problems.Add($"{key}: '{path}' holds no certificate");
                return null;
            }

            return cas;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"{key}: cannot load '{path}': {ex.Message}");
            return null;
        }
    }
}
