namespace Segmentation.ML.Tests;

/// <summary>The checkout the tests run from: the folder holding Segmentation.sln above the test assembly.</summary>
public static class RepositoryFolder
{
    /// <summary>The repository root.</summary>
    /// <exception cref="DirectoryNotFoundException">The tests run outside a checkout.</exception>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Segmentation.sln"))) return folder.FullName;
        throw new DirectoryNotFoundException($"No Segmentation.sln above {AppContext.BaseDirectory}: the tests run from a checkout.");
    }
}
