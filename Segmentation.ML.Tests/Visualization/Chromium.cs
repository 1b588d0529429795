using System.Diagnostics;

namespace Segmentation.ML.Tests.Visualization;

/// <summary>
/// Debian's headless Chromium, run on local files only: a fresh profile each time and the flags that keep it from
/// reaching out to the network (component updates, sync, background fetches). Console messages go to stderr.
/// </summary>
internal static class Chromium
{
    public const string Executable = "/usr/bin/chromium";

    public static string? SkipReason { get; } = File.Exists(Executable)
        ? null
        : $"Needs Debian's chromium at {Executable} to render the report (.ci/run installs it with apt-get; or: apt-get install chromium).";

    /// <summary>Loads <paramref name="page"/> and returns the DOM after load (stdout) and the browser's log (stderr).</summary>
    public static Task<(string Dom, string Log)> DumpDomAsync(string page) => RunAsync(page, "--dump-dom");

    /// <summary>Loads <paramref name="page"/> in a window of the given size and writes a PNG of it; returns the browser's log.</summary>
    public static async Task<string> ScreenshotAsync(string page, string png, int width, int height)
    {
        var (_, log) = await RunAsync(page, $"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars", "--force-device-scale-factor=1");
        return log;
    }

    /// <summary>The lines of a log that are messages from the page's console (errors, warnings, logs, uncaught exceptions).</summary>
    public static IEnumerable<string> ConsoleMessages(string log) =>
        log.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal) || l.Contains("Uncaught", StringComparison.Ordinal));

    private static async Task<(string Output, string Error)> RunAsync(string page, params string[] action)
    {
        Assert.True(File.Exists(page), $"{page} does not exist.");
        string profile = Path.Combine(Path.GetTempPath(), $"segml-chromium-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo(Executable);
        foreach (string flag in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-extensions", $"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", .. action])
            start.ArgumentList.Add(flag);
        start.ArgumentList.Add(new Uri(page).AbsoluteUri);
        try
        {
            var (exitCode, output, error) = await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(1), $"chromium rendering {page}");
            Assert.True(exitCode == 0, $"chromium exited with {exitCode}: {error}");
            return (output, error);
        }
        finally
        {
            if (Directory.Exists(profile)) Directory.Delete(profile, recursive: true);
        }
    }
}

/// <summary>A fact that runs only where Debian's chromium is installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Sets the skip reason when chromium is absent.</summary>
    public ChromiumFactAttribute()
    {
        if (Chromium.SkipReason is not null) Skip = Chromium.SkipReason;
    }
}
