using System.Text;

namespace Segmentation.Cli.Commands;

/// <summary>Writes a file so that readers see either nothing or all of it, even when the process is interrupted.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> (UTF-8) to a temporary file beside <paramref name="path"/>, then moves it into place.</summary>
    public static void WriteAllText(string path, string text)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        ML.IO.AtomicFile.WriteAllBytes(full, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));
    }
}
