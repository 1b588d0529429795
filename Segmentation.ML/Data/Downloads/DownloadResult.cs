namespace Segmentation.ML.Data.Downloads;

/// <summary>How a file came to be in place.</summary>
public enum DownloadOutcome
{
    /// <summary>Downloaded from the first byte.</summary>
    Downloaded,

    /// <summary>An earlier partial download was continued with a <c>Range</c> request.</summary>
    Resumed,

    /// <summary>The file was already there and verified; nothing was requested.</summary>
    AlreadyPresent,
}

/// <summary>A finished, verified download.</summary>
/// <param name="Path">The final file.</param>
/// <param name="Length">Its length in bytes.</param>
/// <param name="Outcome">Whether it was downloaded, resumed or already present.</param>
/// <param name="BytesTransferred">Body bytes received by this call (0 when already present).</param>
/// <param name="ActualHash">The file's full digest (lowercase hex) when a checksum was verified, else null.</param>
public sealed record DownloadResult(string Path, long Length, DownloadOutcome Outcome, long BytesTransferred, string? ActualHash);

/// <summary>Progress of a download.</summary>
/// <param name="BytesDone">Bytes of the file on disk so far, including any resumed part.</param>
/// <param name="TotalBytes">The file's full length when the server or the caller said it.</param>
/// <param name="ResumedFrom">Bytes that were already on disk when this attempt started.</param>
public readonly record struct DownloadProgress(long BytesDone, long? TotalBytes, long ResumedFrom);
