namespace Segmentation.ML.Data.Downloads;

/// <summary>How <see cref="SourceFetcher.FetchAsync"/> departs from a source's published facts.</summary>
public sealed record FetchOptions
{
    /// <summary>A URL to download from instead of the published one (e.g. a mirror of that file).</summary>
    public string? Url { get; init; }

    /// <summary>
    /// A mirror folder: the source's <see cref="DownloadSource.FileName"/> is fetched from under it.
    /// <see cref="SourceFetcher"/> does not read the environment; callers pass <see cref="DownloadSources.MirrorVariable"/>'s value.
    /// </summary>
    public string? MirrorBase { get; init; }

    /// <summary>A checksum replacing the published one, for a mirror that serves a repackaged file.</summary>
    public FileHash? Hash { get; init; }

    /// <summary>False skips the checksum (the size and content checks still apply).</summary>
    public bool VerifyHash { get; init; } = true;

    /// <summary>Keeps a dataset's archive after it was unpacked; by default it is deleted to save space.</summary>
    public bool KeepArchive { get; init; }
}

/// <summary>The stage a fetch is in.</summary>
public enum FetchStage
{
    /// <summary>Bytes are arriving; <see cref="FetchProgress.Total"/> is the file length when known.</summary>
    Download,

    /// <summary>The archive is being unpacked; done and total count archive bytes.</summary>
    Extract,
}

/// <summary>Progress of a fetch.</summary>
/// <param name="Stage">Downloading or unpacking.</param>
/// <param name="Done">Bytes done in this stage.</param>
/// <param name="Total">Bytes in this stage, when known.</param>
/// <param name="Resumed">Bytes that were already on disk when the download started.</param>
public readonly record struct FetchProgress(FetchStage Stage, long Done, long? Total, long Resumed);

/// <summary>A finished fetch.</summary>
/// <param name="Path">The dataset folder or the weights file now in place.</param>
/// <param name="Url">Where it was (or would have been) downloaded from.</param>
/// <param name="Download">The download, or null when the dataset folder was already complete.</param>
/// <param name="Extraction">The extraction, or null for a plain file or an already complete folder.</param>
public sealed record FetchResult(string Path, Uri Url, DownloadResult? Download, ExtractionResult? Extraction)
{
    /// <summary>True when nothing had to be downloaded or unpacked.</summary>
    public bool WasAlreadyPresent => Extraction is null && (Download is null || Download.Outcome == DownloadOutcome.AlreadyPresent);
}

/// <summary>
/// Fetches a <see cref="DownloadSource"/>: downloads it (resumably, verified), and for a dataset unpacks
/// the archive's folder into place, checks its content, and deletes the archive. Re-running after any
/// interruption resumes the download or redoes only the extraction; a complete result is left alone.
/// </summary>
public sealed class SourceFetcher(FileDownloader downloader)
{
    /// <summary>
    /// Fetches <paramref name="source"/> into <paramref name="destination"/>: a dataset lands in
    /// <c>destination/</c><see cref="ArchiveLayout.TargetFolder"/>, a plain file in
    /// <c>destination/</c><see cref="DownloadSource.FileName"/>.
    /// </summary>
    /// <remarks>
    /// For a plain file, a URL override whose file name carries a torch hub hash (<c>name-HEX.ext</c>) is
    /// a different build: it is stored under that name and verified by that hash, as torch hub does.
    /// </remarks>
    /// <exception cref="DownloadException">Any download, verification or extraction failure; the message says what to do.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; a partial download stays for a resume.</exception>
    public async Task<FetchResult> FetchAsync(
        DownloadSource source,
        string destination,
        FetchOptions? options = null,
        IProgress<FetchProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        options ??= new FetchOptions();
        destination = Path.GetFullPath(destination);
        var url = source.ResolveUrl(options.Url, options.MirrorBase);
        string fileName = source.FileName;
        FileHash? hash = options.Hash ?? source.Hash;
        if (source.Archive is null && options.Hash is null && !string.IsNullOrWhiteSpace(options.Url)
            && FileHash.FromTorchHubFileName(url.AbsolutePath) is { } urlHash && urlHash != source.Hash)
        {
            fileName = Path.GetFileName(url.AbsolutePath);
            hash = urlHash;
        }

        if (!options.VerifyHash)
        {
            hash = null;
        }

        var downloadProgress = progress is null ? null : new DirectProgress<DownloadProgress>(p => progress.Report(new FetchProgress(FetchStage.Download, p.BytesDone, p.TotalBytes, p.ResumedFrom)));
        if (source.Archive is null)
        {
            var file = await downloader.DownloadAsync(url, Path.Combine(destination, fileName), hash, source.ExactSize, downloadProgress, cancellationToken).ConfigureAwait(false);
            return new FetchResult(file.Path, url, file, null);
        }

        string target = Path.GetFullPath(Path.Combine(destination, source.Archive.TargetFolder));
        if (Directory.Exists(target))
        {
            var problems = source.Content?.FindProblems(target) ?? [];
            return problems.Count == 0
                ? new FetchResult(target, url, null, null)
                : throw new DownloadException(DownloadProblem.DestinationExists,
                    $"{target} exists but is incomplete ({string.Join("; ", problems)}); delete it and run again.", url, target);
        }

        string archive = Path.Combine(destination, fileName);
        var download = await downloader.DownloadAsync(url, archive, hash, source.ExactSize, downloadProgress, cancellationToken).ConfigureAwait(false);
        var extractOptions = new ArchiveExtractOptions
        {
            StripPrefix = source.Archive.ArchiveFolder,
            VerifyBeforeCommit = source.Content is null ? null : staging => source.Content.Verify(staging, $"The {source.Name} folder unpacked from {archive}"),
        };
        ExtractionResult extraction;
        try
        {
            extraction = await ArchiveExtractor.ExtractAsync(archive, target, extractOptions,
                progress is null ? null : new DirectProgress<ExtractionProgress>(p => progress.Report(new FetchProgress(FetchStage.Extract, p.ArchiveBytesRead, p.ArchiveLength, 0))),
                cancellationToken).ConfigureAwait(false);
        }
        catch (DownloadException e) when (hash is null && e.Problem is DownloadProblem.InvalidArchive or DownloadProblem.UnexpectedContent)
        {
            // Without a checksum the archive itself may be what is broken (GitHub builds the CamVid zip anew
            // for each request, so a resumed download can join two different builds): download it afresh next time.
            File.Delete(archive);
            throw new DownloadException(e.Problem, $"{e.Message} The archive was deleted; run again to download it afresh.", url, archive, e);
        }

        if (!options.KeepArchive)
        {
            File.Delete(archive);
        }

        return new FetchResult(target, url, download, extraction);
    }

    /// <summary>Reports synchronously: <see cref="Progress{T}"/> would post reports that arrive after the call returned.</summary>
    private sealed class DirectProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
