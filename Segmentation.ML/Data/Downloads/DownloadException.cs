using System.Net;

namespace Segmentation.ML.Data.Downloads;

/// <summary>What went wrong while downloading, verifying or unpacking a file.</summary>
public enum DownloadProblem
{
    /// <summary>The server answered with an error status (<see cref="DownloadException.StatusCode"/>).</summary>
    HttpError,

    /// <summary>The connection failed or closed before the whole file arrived; the partial file is kept for a resume.</summary>
    ConnectionLost,

    /// <summary>No byte arrived within the idle timeout; the partial file is kept for a resume.</summary>
    Timeout,

    /// <summary>The file has another length than the one expected.</summary>
    SizeMismatch,

    /// <summary>The file's checksum differs from the one expected; the partial file was deleted.</summary>
    HashMismatch,

    /// <summary>An archive entry would land outside the destination (zip-slip), by its name or as a link.</summary>
    UnsafeArchiveEntry,

    /// <summary>The archive is corrupt or of an unsupported kind.</summary>
    InvalidArchive,

    /// <summary>The unpacked files are not the ones expected (missing folders, wrong counts).</summary>
    UnexpectedContent,

    /// <summary>The destination already holds something this operation will not overwrite.</summary>
    DestinationExists,

    /// <summary>A named file (e.g. pretrained weights) has not been downloaded yet.</summary>
    NotDownloaded,
}

/// <summary>
/// A download, verification or extraction failed. The message says what was expected, what was found,
/// where (URL, file, archive entry) and what to do; the properties carry the same facts for programs.
/// </summary>
public sealed class DownloadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DownloadException(DownloadProblem problem, string message, Uri? url = null, string? filePath = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Problem = problem;
        Url = url;
        FilePath = filePath;
    }

    /// <summary>The kind of failure.</summary>
    public DownloadProblem Problem { get; }

    /// <summary>The URL concerned, when there is one.</summary>
    public Uri? Url { get; }

    /// <summary>The file or folder concerned, when there is one.</summary>
    public string? FilePath { get; }

    /// <summary>The HTTP status of a <see cref="DownloadProblem.HttpError"/>.</summary>
    public HttpStatusCode? StatusCode { get; init; }

    /// <summary>The checksum expected, for <see cref="DownloadProblem.HashMismatch"/> (lowercase hex, possibly a prefix).</summary>
    public string? ExpectedHash { get; init; }

    /// <summary>The checksum found, for <see cref="DownloadProblem.HashMismatch"/> (full lowercase hex).</summary>
    public string? ActualHash { get; init; }

    /// <summary>The archive entry concerned, for <see cref="DownloadProblem.UnsafeArchiveEntry"/>.</summary>
    public string? EntryName { get; init; }
}
