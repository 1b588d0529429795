using System.Diagnostics;
using System.Reflection;
using Segmentation.ML.Evaluation;

namespace Segmentation.ML.Tests.Notebooks;

/// <summary>
/// The library's NuGet package, packed once for the notebook tests from the build they test, as a user packs it
/// (<c>dotnet pack Segmentation.ML</c>), and the environment in which the notebooks' <c>#r "nuget: Segmentation.ML, 0.1.0-*"</c>
/// restores exactly that package.
/// </summary>
/// <remarks>
/// NuGet caches a package by id and version and never reads a re-packed package of a version it has, so each pack has a
/// version of its own (0.1.0-test.&lt;UTC time&gt;), the highest the notebooks' range can meet in the package folder. The kernel's
/// restore extracts it into a private packages folder (NUGET_PACKAGES) inside the notebooks' work folder, with the user's
/// packages folder as a read-only fallback for ML.NET and the other dependencies, so nothing is added to the user's cache;
/// the restore records .NET Interactive keeps in ~/.packagemanagement for this run are removed by <see cref="ForgetRestores"/>.
/// </remarks>
internal sealed class LibraryPackage
{
    private static readonly string RestoreRecords = Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".packagemanagement");

    private readonly bool restoreRecordsExisted;

    private LibraryPackage(string folder, string version, string packagesCache, string fallback)
    {
        Folder = folder;
        Version = version;
        PackagesCache = packagesCache;
        Environment = new Dictionary<string, string>
        {
            ["SEGML_PACKAGES"] = folder,
            ["NUGET_PACKAGES"] = packagesCache,
            ["NUGET_FALLBACK_PACKAGES"] = fallback,
        };
        restoreRecordsExisted = Directory.Exists(RestoreRecords);
    }

    /// <summary>The folder holding the package: the notebooks' package source.</summary>
    public string Folder { get; }

    /// <summary>The package's version.</summary>
    public string Version { get; }

    /// <summary>The private NuGet packages folder the notebooks' restores extract into.</summary>
    public string PackagesCache { get; }

    /// <summary>The environment variables of a notebook run that loads this package.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>
    /// Packs the built library (the tests' configuration, no rebuild) into <paramref name="workFolder"/>/packages, with
    /// the user's NuGet packages folder as the fallback of a private one.
    /// </summary>
    /// <exception cref="InvalidOperationException">dotnet pack failed; the message has its output.</exception>
    public static LibraryPackage Pack(string workFolder)
    {
        var libraryVersion = typeof(SegmentationMetrics).Assembly.GetName().Version!;
        string version = $"{libraryVersion.Major}.{libraryVersion.Minor}.{libraryVersion.Build}-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        string configuration = typeof(LibraryPackage).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        string folder = Directory.CreateDirectory(Path.Combine(workFolder, "packages")).FullName;
        string project = Path.Combine(RepositoryFolder.Root, "Segmentation.ML", "Segmentation.ML.csproj");
        Dotnet("pack", project, "-c", configuration, "--no-build", "--no-restore", "-o", folder, $"-p:PackageVersion={version}",
            $"-p:NuspecOutputPath={Path.Combine(workFolder, "nuspec")}/");
        if (!File.Exists(Path.Combine(folder, $"Segmentation.ML.{version}.nupkg")))
            throw new InvalidOperationException($"dotnet pack left no Segmentation.ML.{version}.nupkg in {folder}.");

        string userPackages = Dotnet("nuget", "locals", "global-packages", "--list").Split(':', 2)[1].Trim();
        string fallback = string.Join(';', new[] { userPackages, System.Environment.GetEnvironmentVariable("NUGET_FALLBACK_PACKAGES") }.Where(f => !string.IsNullOrEmpty(f)));
        return new LibraryPackage(folder, version, Directory.CreateDirectory(Path.Combine(workFolder, "nuget-packages")).FullName, fallback);
    }

    /// <summary>Removes the restore records .NET Interactive kept for this package's restores (and its folder, if the tests made it).</summary>
    public void ForgetRestores()
    {
        string cache = Path.Combine(RestoreRecords, "nuget", "Cache");
        if (Directory.Exists(cache))
        {
            foreach (string record in Directory.GetFiles(cache).Where(f => File.ReadAllText(f).Contains(PackagesCache, StringComparison.Ordinal)))
                File.Delete(record);
        }
        if (!restoreRecordsExisted && Directory.Exists(RestoreRecords) && !Directory.EnumerateFiles(RestoreRecords, "*", SearchOption.AllDirectories).Any())
            Directory.Delete(RestoreRecords, recursive: true);
    }

    private static string Dotnet(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{output}\n{error.Result}");
        return output;
    }
}
