namespace Segmentation.ML.Data.Downloads;

/// <summary>Settings of a <see cref="FileDownloader"/>; every property has a default in <see cref="Defaults"/>.</summary>
public sealed record FileDownloaderOptions
{
    /// <summary>The defaults shared by the options and the downloader.</summary>
    public static class Defaults
    {
        /// <summary>60 seconds without a byte (or without response headers) ends an attempt.</summary>
        public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(60);

        /// <summary>Three more attempts after a lost connection or an idle timeout, each resuming where the last stopped.</summary>
        public const int MaxRetries = 3;

        /// <summary>Two seconds before the first retry, doubling for each further one.</summary>
        public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

        /// <summary>The User-Agent sent with every request.</summary>
        public const string UserAgent = "segml/1.0 (+Segmentation.ML)";
    }

    /// <summary>The options with every default.</summary>
    public static FileDownloaderOptions Default { get; } = new();

    /// <summary>How long an attempt may wait for response headers or for the next byte of the body.</summary>
    public TimeSpan IdleTimeout { get; init; } = Defaults.IdleTimeout;

    /// <summary>
    /// Attempts after the first one, made only when the connection was lost or went idle; each resumes
    /// with a <c>Range</c> request. HTTP error statuses and checksum mismatches are never retried.
    /// </summary>
    public int MaxRetries { get; init; } = Defaults.MaxRetries;

    /// <summary>The wait before the first retry; it doubles for each further one.</summary>
    public TimeSpan RetryDelay { get; init; } = Defaults.RetryDelay;

    /// <summary>The User-Agent header sent with every request.</summary>
    public string UserAgent { get; init; } = Defaults.UserAgent;
}
