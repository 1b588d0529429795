using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Segmentation.ML.Data.Downloads;

/// <summary>The checksum algorithms a download can be verified with.</summary>
public enum HashAlgorithmKind
{
    /// <summary>SHA-256 (64 hex digits); torchvision publishes a prefix of it in its file names.</summary>
    Sha256,

    /// <summary>MD5 (32 hex digits), as published for the PASCAL VOC archives.</summary>
    Md5,
}

/// <summary>
/// An expected checksum: an algorithm and a lowercase hex value that is either the whole digest or a
/// prefix of it (torch hub's <c>check_hash</c> convention: <c>vgg16-397923af.pth</c> must have a
/// SHA-256 starting with <c>397923af</c>).
/// </summary>
public sealed partial record FileHash
{
    private FileHash(HashAlgorithmKind algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
    }

    /// <summary>The algorithm.</summary>
    public HashAlgorithmKind Algorithm { get; }

    /// <summary>The expected digest or digest prefix, lowercase hex.</summary>
    public string Hex { get; }

    /// <summary>True when <see cref="Hex"/> is only the start of the digest.</summary>
    public bool IsPrefix => Hex.Length < DigestHexLength(Algorithm);

    /// <summary>An expected SHA-256: the full 64 hex digits or a prefix of at least 8.</summary>
    public static FileHash Sha256(string hex) => Create(HashAlgorithmKind.Sha256, hex);

    /// <summary>An expected MD5: all 32 hex digits.</summary>
    public static FileHash Md5(string hex)
    {
        var hash = Create(HashAlgorithmKind.Md5, hex);
        if (hash.IsPrefix)
        {
            throw new ArgumentException($"An MD5 checksum has 32 hex digits; got {hex.Length} ('{hex}').", nameof(hex));
        }

        return hash;
    }

    /// <summary>
    /// The SHA-256 prefix a torch hub file name carries (<c>name-HEX.ext</c>, as in
    /// <c>mobilenet_v2-b0353104.pth</c>), or null when the name carries none.
    /// </summary>
    public static FileHash? FromTorchHubFileName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var match = TorchHubHashPattern().Match(Path.GetFileName(fileName));
        return match.Success ? Sha256(match.Groups[1].Value) : null;
    }

    /// <summary>
    /// Parses <c>sha256:HEX</c> or <c>md5:HEX</c> (the form <see cref="ToString"/> prints).
    /// </summary>
    /// <exception cref="FormatException">The text is not of that form.</exception>
    public static FileHash Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.IndexOf(':');
        string algorithm = colon < 0 ? "" : text[..colon].Trim().ToLowerInvariant();
        string hex = colon < 0 ? "" : text[(colon + 1)..].Trim();
        try
        {
            return algorithm switch
            {
                "sha256" => Sha256(hex),
                "md5" => Md5(hex),
                _ => throw new FormatException($"'{text}' is not a checksum; expected sha256:HEX or md5:HEX."),
            };
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    /// <summary>True when <paramref name="actualHex"/> (a full digest) starts with, or equals, the expected value.</summary>
    public bool Matches(string actualHex) => actualHex.StartsWith(Hex, StringComparison.OrdinalIgnoreCase);

    /// <summary>A fresh incremental hasher for <see cref="Algorithm"/>.</summary>
    public IncrementalHash CreateHasher() => IncrementalHash.CreateHash(Algorithm == HashAlgorithmKind.Md5 ? HashAlgorithmName.MD5 : HashAlgorithmName.SHA256);

    /// <summary>Hashes a whole file with <see cref="Algorithm"/>; returns the full digest as lowercase hex.</summary>
    public async Task<string> ComputeAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, useAsync: true);
        byte[] digest = Algorithm == HashAlgorithmKind.Md5
            ? await MD5.HashDataAsync(stream, cancellationToken).ConfigureAwait(false)
            : await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary><c>sha256:HEX</c> or <c>md5:HEX</c>.</summary>
    public override string ToString() => (Algorithm == HashAlgorithmKind.Md5 ? "md5:" : "sha256:") + Hex;

    /// <summary>The algorithm's display name, e.g. "SHA-256".</summary>
    public string AlgorithmName => Algorithm == HashAlgorithmKind.Md5 ? "MD5" : "SHA-256";

    private static FileHash Create(HashAlgorithmKind algorithm, string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        int full = DigestHexLength(algorithm);
        if (hex.Length < 8 || hex.Length > full || !hex.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"Expected {full} hex digits (or a prefix of at least 8) for {algorithm}; got '{hex}'.", nameof(hex));
        }

        return new FileHash(algorithm, hex.ToLowerInvariant());
    }

    private static int DigestHexLength(HashAlgorithmKind algorithm) => algorithm == HashAlgorithmKind.Md5 ? 32 : 64;

    /// <summary>torch.hub's <c>HASH_REGEX</c> (<c>-([a-f0-9]*)\.</c>), limited to the 8 to 64 digits a SHA-256 prefix can have.</summary>
    [GeneratedRegex(@"-([a-f0-9]{8,64})\.")]
    private static partial Regex TorchHubHashPattern();
}
