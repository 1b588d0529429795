namespace Segmentation.ML.Tests.Data;

/// <summary>
/// Locates the read-only shared data (<c>shared/data</c>, a sibling of the repository) by walking
/// up from the test assembly; SEGML_SHARED_DATA overrides. A fresh clone has none, and the tests
/// that need it are skipped with the reason.
/// </summary>
internal static class SharedData
{
    public static string? Root { get; } = Locate();

    public static string SkipReason { get; } =
        $"Needs the shared datasets: no 'shared/data' folder was found walking up from {AppContext.BaseDirectory} (set SEGML_SHARED_DATA to point at it).";

    public static string Voc => Path.Combine(Root!, "voc2012-masks");

    public static string CamVid => Path.Combine(Root!, "camvid");

    private static string? Locate()
    {
        string? configured = Environment.GetEnvironmentVariable("SEGML_SHARED_DATA");
        if (!string.IsNullOrEmpty(configured))
        {
            return Directory.Exists(configured) ? configured : null;
        }

        return FindShared("data");
    }

    /// <summary><c>shared/{name}</c> in the nearest ancestor of the test assembly's folder that has it, or null.</summary>
    public static string? FindShared(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", name);
            if (Directory.Exists(candidate)) return candidate;
        }
        return null;
    }
}

/// <summary>A fact that runs only when the shared datasets are present.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    /// <summary>Sets the skip reason when the data is absent.</summary>
    public SharedDataFactAttribute()
    {
        if (SharedData.Root is null)
        {
            Skip = SharedData.SkipReason;
        }
    }
}
