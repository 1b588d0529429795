namespace Segmentation.ML.Onnx;

/// <summary>
/// Pretrained weights that come with a NuGet package are not on this machine: the package was not restored, or
/// its files were not copied next to the application. The message names the package, its version, the folders
/// searched and what to run.
/// </summary>
public sealed class PretrainedModelNotFoundException(string message, string packageId, string packageVersion, IReadOnlyList<string> searchedFolders)
    : FileNotFoundException(message)
{
    /// <summary>The NuGet package that ships the files.</summary>
    public string PackageId { get; } = packageId;

    /// <summary>The package version this library reads.</summary>
    public string PackageVersion { get; } = packageVersion;

    /// <summary>The folders looked in, in order.</summary>
    public IReadOnlyList<string> SearchedFolders { get; } = searchedFolders;
}
