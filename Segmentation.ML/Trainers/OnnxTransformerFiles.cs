using System.Diagnostics;

namespace Segmentation.ML.Trainers;

/// <summary>
/// Where the trainers' ML.NET contexts let <c>OnnxTransformer</c> write the copy of its graph it keeps on disk
/// (ML.NET 5.0.1 writes one per transformer into the context's <c>TempFilePath</c> and deletes it neither on
/// <c>Dispose</c> nor later; it reads it back when the model is saved, so it must live as long as the
/// transformer). One folder per process, deleted when the process exits; folders left by processes that were
/// killed are deleted by the next process that trains.
/// </summary>
internal static class OnnxTransformerFiles
{
    private const string Prefix = "segml-onnx-";

    private static readonly Lazy<string> Current = new(Create);

    /// <summary>This process's folder, created on first use.</summary>
    public static string Folder => Current.Value;

    private static string Create()
    {
        RemoveAbandoned();
        string folder = Path.Combine(Path.GetTempPath(), Prefix + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(folder);
        return folder;
    }

    private static void RemoveAbandoned()
    {
        foreach (string folder in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
            if (int.TryParse(Path.GetFileName(folder)[Prefix.Length..], out int id) && !IsRunning(id)) TryDelete(folder);
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Best effort: the next process that trains removes it.
        }
    }
}
