namespace Segmentation.ML.Data.Downloads;

/// <summary>
/// Where pretrained weights are kept: <c>$SEGML_CACHE</c> when set (the folder itself), else
/// <c>$XDG_CACHE_HOME/segml/weights</c>, else <c>%LOCALAPPDATA%\segml\weights</c> on Windows and
/// <c>~/.cache/segml/weights</c> elsewhere. Files keep torchvision's names (<c>vgg16-397923af.pth</c>).
/// </summary>
public static class WeightsCache
{
    /// <summary>The environment variable that names the weights folder, overriding the default.</summary>
    public const string CacheVariable = "SEGML_CACHE";

    /// <summary>The weights folder this process uses, from the environment.</summary>
    public static string DefaultDirectory => DirectoryFrom(Environment.GetEnvironmentVariable);

    /// <summary>The cached file for the weights called <paramref name="name"/>, whether or not it exists yet.</summary>
    /// <param name="name">A known weights name (<c>vgg16</c>, <c>vgg11</c>, <c>mobilenet_v2</c>, <c>resnet18</c>, <c>resnet50</c>).</param>
    /// <param name="cacheDirectory">The weights folder; null for <see cref="DefaultDirectory"/>.</param>
    /// <exception cref="ArgumentException">The name is not known.</exception>
    public static string PathFor(string name, string? cacheDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var source = DownloadSources.FindWeights(name)
            ?? throw new ArgumentException($"'{name}' is not a known weights name; known: {KnownNames}.", nameof(name));
        return Path.Combine(Path.GetFullPath(cacheDirectory ?? DefaultDirectory), source.FileName);
    }

    /// <summary>
    /// A weights file from what a user typed: an existing file path is returned as is (made absolute);
    /// a known name resolves to its cached file.
    /// </summary>
    /// <param name="nameOrPath">A path to a checkpoint, or a known weights name.</param>
    /// <param name="cacheDirectory">The weights folder; null for <see cref="DefaultDirectory"/>.</param>
    /// <exception cref="DownloadException">A known name whose file is not in the cache yet
    /// (<see cref="DownloadProblem.NotDownloaded"/>); the message says which command fetches it.</exception>
    /// <exception cref="FileNotFoundException">Neither an existing file nor a known name.</exception>
    public static string Resolve(string nameOrPath, string? cacheDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrPath);
        if (File.Exists(nameOrPath))
        {
            return Path.GetFullPath(nameOrPath);
        }

        if (DownloadSources.FindWeights(nameOrPath) is not { } source)
        {
            throw new FileNotFoundException(
                $"'{nameOrPath}' is neither an existing file nor a known weights name ({KnownNames}).", nameOrPath);
        }

        string cached = PathFor(source.Name, cacheDirectory);
        if (!File.Exists(cached))
        {
            throw new DownloadException(DownloadProblem.NotDownloaded,
                $"The {source.Name} weights are not in the cache (expected {cached}); run 'segml weights fetch {source.Name}' to download them" +
                $"{(cacheDirectory is null ? "" : $" with --cache {cacheDirectory}")}, or pass the path of a checkpoint.",
                source.Url, cached);
        }

        return cached;
    }

    /// <summary>The weights folder given an environment.</summary>
    internal static string DirectoryFrom(Func<string, string?> environment)
    {
        if (environment(CacheVariable) is { Length: > 0 } explicitFolder)
        {
            return Path.GetFullPath(explicitFolder);
        }

        if (environment("XDG_CACHE_HOME") is { Length: > 0 } xdg)
        {
            return Path.Combine(Path.GetFullPath(xdg), "segml", "weights");
        }

        return OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "segml", "weights")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "segml", "weights");
    }

    private static string KnownNames => string.Join(", ", DownloadSources.Weights.Select(source => source.Name));
}
