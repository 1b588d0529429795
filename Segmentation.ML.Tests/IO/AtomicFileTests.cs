using Segmentation.ML.IO;

namespace Segmentation.ML.Tests.IO;

/// <summary>Files are written whole or not at all, and temporaries of killed writes are tidied by the next model save.</summary>
public sealed class AtomicFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("segml-atomic-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void AWriteThatFailsLeavesThePreviousFileAndNoTemporary()
    {
        string path = Path.Combine(folder, "model.zip");
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new InvalidOperationException("a step failed");
        }));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder));

        AtomicFile.WriteAllBytes(path, [4, 5]);
        Assert.Equal([4, 5], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder));
    }

    [Fact]
    public void TemporariesAKilledWriteLeftAreRemovedByTheNextWriteThatAsks()
    {
        string path = Path.Combine(folder, "model.zip");
        string stale = Path.Combine(folder, ".model.zip.0123456789abcdef0123456789abcdef.tmp");
        string fresh = Path.Combine(folder, ".model.zip.fedcba9876543210fedcba9876543210.tmp");
        string other = Path.Combine(folder, ".other.zip.0123456789abcdef0123456789abcdef.tmp");
        foreach (string file in new[] { stale, fresh, other }) File.WriteAllBytes(file, [0]);
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddMinutes(-5));
        File.SetLastWriteTimeUtc(other, DateTime.UtcNow.AddMinutes(-5));

        AtomicFile.WriteAllBytes(path, [1]);
        Assert.True(File.Exists(stale), "a plain write does not list the folder");

        AtomicFile.Write(path, stream => stream.WriteByte(2), removeStale: true);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(fresh), "a temporary younger than a minute may belong to a write still running");
        Assert.True(File.Exists(other), "another file's temporaries are not this write's business");
        Assert.Equal([2], File.ReadAllBytes(path));
    }

    [FullFileSystemFact]
    public void ADiskThatFillsUpNamesTheOutputKeepsThePreviousFileAndLeavesNoTemporary()
    {
        using var disk = FullFileSystem.Mount();
        string path = Path.Combine(disk.Folder, "model.zip");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);

        var error = Assert.Throws<IOException>(() => AtomicFile.WriteAllBytes(path, new byte[4 * FullFileSystem.Bytes]));
        Assert.StartsWith($"Cannot write {path}: ", error.Message);
        Assert.Contains("No space left on device", error.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(disk.Folder));
    }
}
