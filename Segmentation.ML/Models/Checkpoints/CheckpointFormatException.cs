namespace Segmentation.ML.Models.Checkpoints;

/// <summary>
/// Thrown when a checkpoint cannot be read: unrecognised or corrupt format, truncated file, bad header, offsets out
/// of range, unsupported dtype, or a file that changed after it was loaded. The message says what was expected,
/// what was found and where; <see cref="FilePath"/> and <see cref="Entry"/> name the place.
/// </summary>
public class CheckpointFormatException : Exception
{
    /// <summary>Creates the exception; the message is prefixed with the file and entry when they are known.</summary>
    /// <param name="reason">What is wrong and, where it helps, what to do about it.</param>
    /// <param name="filePath">The checkpoint's path or the name given for a stream, if known.</param>
    /// <param name="entry">The zip entry, tensor key or header field concerned, if any.</param>
    /// <param name="innerException">The low-level error that revealed the problem, if any.</param>
    public CheckpointFormatException(string reason, string? filePath = null, string? entry = null, Exception? innerException = null)
        : base(Compose(reason, filePath, entry), innerException)
    {
        Reason = reason;
        FilePath = filePath;
        Entry = entry;
    }

    /// <summary>The problem without the file and entry prefix.</summary>
    public string Reason { get; }

    /// <summary>The checkpoint's path, or the name given when reading a stream; null when unknown.</summary>
    public string? FilePath { get; }

    /// <summary>The zip entry, tensor key or header field concerned; null when the problem is the whole file.</summary>
    public string? Entry { get; }

    private static string Compose(string reason, string? filePath, string? entry) => (filePath, entry) switch
    {
        (null, null) => $"Cannot read the checkpoint: {reason}",
        (null, _) => $"Cannot read the checkpoint ({entry}): {reason}",
        (_, null) => $"Cannot read checkpoint '{filePath}': {reason}",
        _ => $"Cannot read checkpoint '{filePath}' ({entry}): {reason}",
    };
}
