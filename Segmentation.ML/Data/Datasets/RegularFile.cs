namespace Segmentation.ML.Data;

/// <summary>
/// Looks at a dataset file before anything opens it: opening a FIFO waits for a writer that never comes,
/// and a device never ends, so only regular files with content are read.
/// </summary>
internal static class RegularFile
{
    /// <summary>
    /// Why <paramref name="path"/> cannot be read as an image or mask, or null when it is a regular file with
    /// content (links followed) or does not exist (the reader reports a missing file itself).
    /// </summary>
    /// <remarks>
    /// .NET exposes no file type on Unix, but FIFOs, sockets and character devices report size 0, as an
    /// empty file does; none of them holds an image.
    /// </remarks>
    public static string? Problem(string path)
    {
        if (Directory.Exists(path))
            return "is a folder";
        var file = new FileInfo(path);
        if (!file.Exists)
            return null;
        // A link reports its own size; what will be opened is the file it leads to.
        if (file.LinkTarget is not null && File.ResolveLinkTarget(path, returnFinalTarget: true) is FileInfo target)
            file = target;
        return file.Exists && file.Length == 0 ? "is empty or is not a regular file (a FIFO, device or socket)" : null;
    }
}
