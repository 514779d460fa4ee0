namespace ScriptedSip.Core.Transport.Streams;

/// <summary>Whether a TLS listener asks the client for a certificate.</summary>
public enum TlsClientVerification
{
    /// <summary>No client certificate is asked for.</summary>
    None,

    /// <summary>Asked for; a client without one is accepted, one with a certificate that does not verify is refused.</summary>
    Optional,

    /// <summary>A client must present a certificate that verifies.</summary>
    Required,
}

/// <summary>The <c>Tls</c> section of hostsettings.json: the certificate of the <c>tls:</c> listeners and how peers are checked.</summary>
public sealed class TlsOptions
{
    public const string Section = "Tls";

    /// <summary>PEM certificate (with <see cref="PrivateKeyPath"/>) or a PFX/PKCS#12 file (with <see cref="Password"/>).</summary>
    public string CertificatePath { get; set; } = string.Empty;

    /// <summary>PEM private key of <see cref="CertificatePath"/>; empty when the certificate file is a PFX or holds the key.</summary>
    public string PrivateKeyPath { get; set; } = string.Empty;

    /// <summary>Password of a PFX file (or of an encrypted PEM key).</summary>
    public string Password { get; set; } = string.Empty;

    /// <summary>Lowest TLS version accepted and offered: 1.2 or 1.3.</summary>
    public string MinVersion { get; set; } = "1.2";

    public TlsClientVerification VerifyClient { get; set; } = TlsClientVerification.None;

    /// <summary>PEM file of the CAs that client certificates must chain to (empty: the system store).</summary>
    public string ClientCaPath { get; set; } = string.Empty;

    /// <summary>Outgoing TLS: check the server's certificate and that it names the target host.</summary>
    public bool VerifyServer { get; set; } = true;

    /// <summary>PEM file of the CAs server certificates must chain to (empty: the system store).</summary>
    public string CaPath { get; set; } = string.Empty;
}
