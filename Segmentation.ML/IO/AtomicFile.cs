namespace Segmentation.ML.IO;

/// <summary>
/// Writes a file whole or not at all: into a temporary file beside it (<c>.NAME.GUID.tmp</c>), flushed to disk, then
/// moved into place, so an error or Ctrl+C leaves the previous file (if any) and no partial one. Every file the
/// library and <c>segml</c> write goes through here: PNGs, safetensors, reports, model zips, CSVs.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/> (its folder must exist).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the content to the stream it is given.</param>
    /// <param name="removeStale">
    /// First delete temporaries of earlier writes to the same file older than a minute, left by processes that were
    /// killed mid-write (for large, rare files such as models; it lists the folder, so not for files written in bulk).
    /// </param>
    /// <exception cref="IOException">The file cannot be written; the message starts "Cannot write PATH:".</exception>
    public static void Write(string path, Action<Stream> write, bool removeStale = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!, name = Path.GetFileName(full);
        if (removeStale) RemoveStale(folder, name);
        string temporary = Path.Combine(folder, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new IOException($"Cannot write {full}: {error.Message} (it is written to a temporary file beside it first; nothing was left behind).", error);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>; see <see cref="Write(string, Action{Stream}, bool)"/>.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WriteAllBytes(string path, byte[] content) => Write(path, stream => stream.Write(content));

    private static void RemoveStale(string folder, string name)
    {
        if (!Directory.Exists(folder)) return;
        foreach (string file in Directory.EnumerateFiles(folder, $".{name}.*.tmp"))
        {
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > TimeSpan.FromMinutes(1)) File.Delete(file);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Another process may be finishing it; tidying up is only an attempt.
            }
        }
    }
}
