namespace Segmentation.ML.Visualization;

/// <summary>Writes files and folders so that readers see either the old content or all of the new, never a part.</summary>
internal static class AtomicWrite
{
    /// <summary>Writes <paramref name="content"/> to a temporary file beside <paramref name="path"/>, then moves it into place.</summary>
    public static void Bytes(string path, byte[] content)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        IO.AtomicFile.WriteAllBytes(path, content);
    }

    /// <summary>The full path of <paramref name="path"/> after checking that <see cref="Folder"/> may write there.</summary>
    /// <exception cref="IOException">The path is a file, or a non-empty folder that is not replaceable.</exception>
    public static string CheckFolder(string path, Func<string, bool> replaceable)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (File.Exists(full)) throw new IOException($"'{full}' is a file; give a folder to write to.");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !replaceable(full))
            throw new IOException($"'{full}' already exists and holds other files; give a new or empty folder (an earlier report there is replaced).");
        return full;
    }

    /// <summary>
    /// Builds a folder with <paramref name="build"/> in a temporary sibling of <paramref name="path"/>, then moves it into
    /// place. An existing folder at <paramref name="path"/> is replaced only when it is empty or <paramref name="replaceable"/>
    /// says it holds an earlier output; it is renamed aside first and deleted after the move, so a failure leaves it intact.
    /// </summary>
    /// <exception cref="IOException"><paramref name="path"/> is a file, or a folder that is not replaceable.</exception>
    public static void Folder(string path, Action<string> build, Func<string, bool> replaceable, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = CheckFolder(path, replaceable);
        string parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        string name = Path.GetFileName(full);
        string temporary = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.tmp");
        string aside = Path.Combine(parent, $".{name}.{Guid.NewGuid():N}.old");
        try
        {
            Directory.CreateDirectory(temporary);
            build(temporary);
            cancellation.ThrowIfCancellationRequested();
            if (Directory.Exists(full)) Directory.Move(full, aside);
            Directory.Move(temporary, full);
        }
        finally
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            if (Directory.Exists(aside))
            {
                if (Directory.Exists(full)) Directory.Delete(aside, recursive: true);
                else Directory.Move(aside, full);
            }
        }
    }
}
