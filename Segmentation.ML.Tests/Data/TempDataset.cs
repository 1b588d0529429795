using Segmentation.ML.Imaging;

namespace Segmentation.ML.Tests.Data;

/// <summary>A throw-away dataset folder under the system temp directory, deleted on dispose.</summary>
internal sealed class TempDataset : IDisposable
{
    public TempDataset() => Root = Directory.CreateTempSubdirectory("segml-data-").FullName;

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public string WriteText(string relative, string content)
    {
        string path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string WriteBytes(string relative, byte[] content)
    {
        string path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public string WriteImage(string relative, int width, int height) =>
        WriteBytes(relative, PngEncoder.Encode(DecodeThroughput.CreateSampleImage(width, height)));

    /// <summary>Writes a mask whose label at pixel i is labels[i % labels.Length].</summary>
    public string WriteMask(string relative, int width, int height, byte[] labels, Palette? palette = null)
    {
        var mask = new LabelMap(width, height);
        for (int i = 0; i < mask.Labels.Length; i++)
        {
            mask.Labels[i] = labels[i % labels.Length];
        }

        return WriteBytes(relative, PngEncoder.Encode(mask, palette));
    }

    /// <summary>Makes a FIFO with <c>mkfifo</c> (Unix only): opening it for reading waits for a writer that never comes.</summary>
    public string MakeFifo(string relative)
    {
        string path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
