namespace Segmentation.ML.Data.Downloads;

/// <summary>
/// One thing <c>segml</c> knows how to download: where it comes from, how it is verified and, for an
/// archive, which part of it is unpacked where. The known ones are in <see cref="DownloadSources"/>.
/// </summary>
/// <param name="Name">The name on the command line, e.g. <c>voc</c> or <c>vgg16</c>.</param>
/// <param name="Description">One line for help texts: what it is and who publishes it.</param>
/// <param name="Url">The published location.</param>
/// <param name="FileName">The downloaded file's name (also its name under a mirror, see <see cref="DownloadSources.MirrorVariable"/>).</param>
/// <param name="Hash">The published checksum, or null where none exists (then <see cref="Content"/> is checked).</param>
/// <param name="ExactSize">The exact length in bytes when published; it is verified.</param>
/// <param name="ApproximateSize">A rough length in bytes for help texts, or null when not published.</param>
/// <param name="Archive">How the downloaded archive is unpacked, or null for a file used as is.</param>
/// <param name="Content">What the unpacked folder must hold, or null for no check.</param>
public sealed record DownloadSource(
    string Name,
    string Description,
    Uri Url,
    string FileName,
    FileHash? Hash,
    long? ExactSize,
    long? ApproximateSize,
    ArchiveLayout? Archive,
    ContentCheck? Content)
{
    /// <summary>
    /// The URL to download from: <paramref name="urlOverride"/> when given; else, when
    /// <paramref name="mirrorBase"/> is given, <see cref="FileName"/> under it; else <see cref="Url"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The override or mirror is not an absolute http(s) URL.</exception>
    public Uri ResolveUrl(string? urlOverride = null, string? mirrorBase = null)
    {
        if (!string.IsNullOrWhiteSpace(urlOverride))
        {
            return AbsoluteHttp(urlOverride, "URL");
        }

        if (!string.IsNullOrWhiteSpace(mirrorBase))
        {
            var mirror = AbsoluteHttp(mirrorBase.EndsWith('/') ? mirrorBase : mirrorBase + "/", DownloadSources.MirrorVariable);
            return new Uri(mirror, Uri.EscapeDataString(FileName));
        }

        return Url;
    }

    private static Uri AbsoluteHttp(string text, string what) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ArgumentException($"The {what} '{text}' is not an absolute http or https URL.");
}

/// <summary>Which folder of an archive is unpacked, and where under the destination it lands.</summary>
/// <param name="ArchiveFolder">The folder inside the archive whose content is unpacked, e.g. <c>VOCdevkit/VOC2012</c>.</param>
/// <param name="TargetFolder">Where that content lands, relative to the destination, e.g. <c>VOCdevkit/VOC2012</c>.</param>
public sealed record ArchiveLayout(string ArchiveFolder, string TargetFolder);

/// <summary>
/// What an unpacked dataset folder must hold. Used where no checksum exists, and to recognise a
/// complete earlier extraction.
/// </summary>
/// <param name="RequiredFolders">Folders that must exist, relative to the dataset folder.</param>
/// <param name="RequiredFiles">Files that must exist, relative to the dataset folder.</param>
/// <param name="Pairs">Image folders whose files must have a same-named annotation, with the expected count.</param>
public sealed record ContentCheck(IReadOnlyList<string> RequiredFolders, IReadOnlyList<string> RequiredFiles, IReadOnlyList<FolderPairCount> Pairs)
{
    /// <summary>What is wrong with <paramref name="folder"/>, one line per problem; empty when it passes.</summary>
    public IReadOnlyList<string> FindProblems(string folder)
    {
        var problems = new List<string>();
        foreach (string required in RequiredFolders)
        {
            if (!Directory.Exists(Path.Combine(folder, required)))
            {
                problems.Add($"folder {required}/ is missing");
            }
        }

        foreach (string required in RequiredFiles)
        {
            if (!File.Exists(Path.Combine(folder, required)))
            {
                problems.Add($"file {required} is missing");
            }
        }

        foreach (var pair in Pairs)
        {
            string images = Path.Combine(folder, pair.ImageFolder);
            string annotations = Path.Combine(folder, pair.AnnotationFolder);
            int found = Directory.Exists(images)
                ? Directory.EnumerateFiles(images).Count(image => File.Exists(Path.Combine(annotations, Path.GetFileName(image))))
                : 0;
            if (found != pair.ExpectedPairs)
            {
                problems.Add($"{pair.ImageFolder}/ and {pair.AnnotationFolder}/ hold {found} image+annotation pairs; expected {pair.ExpectedPairs}");
            }
        }

        return problems;
    }

    /// <summary>Throws when <paramref name="folder"/> fails the check.</summary>
    /// <param name="folder">The dataset folder.</param>
    /// <param name="what">How the message names the folder, e.g. "The camvid folder unpacked from X".</param>
    /// <exception cref="DownloadException">The folder fails (<see cref="DownloadProblem.UnexpectedContent"/>); the message lists every problem.</exception>
    public void Verify(string folder, string what)
    {
        var problems = FindProblems(folder);
        if (problems.Count > 0)
        {
            throw new DownloadException(DownloadProblem.UnexpectedContent,
                $"{what} is not as expected: {string.Join("; ", problems)}.", filePath: folder);
        }
    }
}

/// <summary>An image folder and its annotation folder, paired by file name.</summary>
/// <param name="ImageFolder">The image folder, relative to the dataset folder.</param>
/// <param name="AnnotationFolder">The annotation folder, relative to the dataset folder.</param>
/// <param name="ExpectedPairs">How many images must have an annotation of the same name.</param>
public sealed record FolderPairCount(string ImageFolder, string AnnotationFolder, int ExpectedPairs);
