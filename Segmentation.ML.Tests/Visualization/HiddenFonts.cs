using System.Diagnostics;
using Segmentation.ML.Tests.Cli;

namespace Segmentation.ML.Tests.Visualization;

/// <summary>
/// Runs <c>segml</c> as on a machine without fonts: in a private mount namespace (util-linux <c>unshare</c>, as root)
/// with an empty folder mounted over /usr/share/fonts, the only place SkiaSharp's Linux build looks for fonts.
/// Nothing outside the child process sees the change.
/// </summary>
internal static class HiddenFonts
{
    private const string Folder = "/usr/share/fonts";

    // The child mounts an empty tmpfs over the fonts, then becomes the program ($0 and its arguments).
    private const string Script = $"mount -t tmpfs segml-no-fonts {Folder} && exec \"$0\" \"$@\"";

    public static string? SkipReason { get; } = Probe();

    public static async Task<(int ExitCode, string Output, string Error)> RunSegmlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("unshare");
        foreach (string argument in (string[])["--mount", "--", "sh", "-c", Script, "dotnet", Segml.AssemblyPath, .. arguments]) start.ArgumentList.Add(argument);
        start.Environment["NO_COLOR"] = "1";
        return await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(3), $"segml {string.Join(' ', arguments)} without fonts");
    }

    private static string? Probe()
    {
        if (!Directory.Exists(Folder)) return null;
        try
        {
            var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in (string[])["--mount", "--", "sh", "-c", Script, "ls", "-A", Folder]) start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            string listing = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 && listing.Trim().Length == 0 ? null
                : $"Cannot hide {Folder} in a private mount namespace (needs root and util-linux unshare): {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"Cannot run unshare to hide {Folder}: {e.Message}";
        }
    }
}

/// <summary>A fact that runs only where <see cref="HiddenFonts"/> can hide the installed fonts.</summary>
public sealed class HiddenFontsFactAttribute : FactAttribute
{
    /// <summary>Sets the skip reason when the fonts cannot be hidden.</summary>
    public HiddenFontsFactAttribute()
    {
        if (HiddenFonts.SkipReason is not null) Skip = HiddenFonts.SkipReason;
    }
}
